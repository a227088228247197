/**
 * Which headers cross the proxy. One list for both directions of both forwarding paths
 * (the Web `fetch` path in core and the Node fast path in the server).
 */

/** Hop-by-hop headers (RFC 9110 §7.6.1): meaningful for one connection only. */
const HOP_BY_HOP = [
  'connection',
  'keep-alive',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]

/**
 * Browser headers that never reach an API: its credentials (the session cookie must not
 * leave Coatcheck; a browser-supplied Authorization or DPoP must never replace ours, P-04),
 * forwarding headers it could forge (P-05) and `host` (the upstream's own is used).
 */
const DROPPED_REQUEST_HEADERS = new Set([
  ...HOP_BY_HOP,
  'host',
  'cookie',
  'authorization',
  'proxy-authorization',
  'dpop',
  'forwarded',
  'x-forwarded-for',
  'x-forwarded-host',
  'x-forwarded-proto',
  'x-forwarded-port',
  'x-forwarded-prefix',
  'x-real-ip',
])

/**
 * Upstream headers the browser never sees: hop-by-hop ones, and `Set-Cookie`, so an API
 * cannot plant cookies on the application's site (P-07).
 */
const DROPPED_RESPONSE_HEADERS = new Set([...HOP_BY_HOP, 'set-cookie', 'set-cookie2'])

/**
 * Whether a browser request header may be forwarded upstream. `csrfHeaderName` is ours
 * and stays here; `connectionListed` are the names the request's `Connection` header lists.
 */
export function isForwardedRequestHeader(
  name: string,
  csrfHeaderName: string,
  connectionListed?: ReadonlySet<string>,
): boolean {
  return (
    !DROPPED_REQUEST_HEADERS.has(name) && name !== csrfHeaderName && !connectionListed?.has(name)
  )
}

/**
 * Whether an upstream response header may be passed to the browser. `Access-Control-*`
 * never passes: Coatcheck alone decides which origins may read, so an upstream's
 * `Access-Control-Allow-Origin: *` cannot widen it.
 */
export function isForwardedResponseHeader(name: string): boolean {
  return !DROPPED_RESPONSE_HEADERS.has(name) && !name.startsWith('access-control-')
}

// The values nearly every message carries, answered without building a set each time.
const KEEP_ALIVE: ReadonlySet<string> = new Set(['keep-alive'])
const CLOSE: ReadonlySet<string> = new Set(['close'])

/** Header names a `Connection` header value lists, lower-case. */
export function connectionListedHeaders(value: string | null): ReadonlySet<string> | undefined {
  if (!value) return undefined
  if (value === 'keep-alive') return KEEP_ALIVE
  if (value === 'close') return CLOSE
  return new Set(value.split(',').map((name) => name.trim().toLowerCase()))
}
