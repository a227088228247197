import type { IncomingMessage } from 'node:http'
import {
  connectionListedHeaders,
  isForwardedRequestHeader,
  isForwardedResponseHeader,
} from '@coatcheck/core'

/** What decides the upstream request headers besides the request itself. */
export interface UpstreamHeaderOptions {
  /** Coatcheck's anti-CSRF header: meant for Coatcheck, never forwarded. */
  csrfHeaderName: string
  /** Append to an incoming `X-Forwarded-For` instead of replacing it. */
  trustProxy: boolean
}

/**
 * The headers of the upstream request, as a flat `[name, value, …]` list: the browser's,
 * filtered by core's single list (credentials, forwarding and hop-by-hop headers dropped,
 * P-04, P-05), then `set` (the plan's Authorization, X-Forwarded-Host/Proto, route headers)
 * on top, then `X-Forwarded-For`.
 */
export function toUpstreamHeaders(
  req: IncomingMessage,
  set: Readonly<Record<string, string>>,
  options: UpstreamHeaderOptions,
): string[] {
  const connectionListed = connectionListedHeaders(joined(req.headersDistinct.connection))
  const raw = req.rawHeaders
  const headers: string[] = []
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = (raw[i] as string).toLowerCase()
    // `Expect: 100-continue` was met on this hop (Node answered 100 already); undici refuses it.
    if (name === 'expect' || Object.hasOwn(set, name)) continue
    if (isForwardedRequestHeader(name, options.csrfHeaderName, connectionListed)) {
      headers.push(raw[i] as string, raw[i + 1] as string)
    }
  }
  for (const [name, value] of Object.entries(set)) headers.push(name, value)
  const forwardedFor = forwardedForOf(req, options.trustProxy)
  if (forwardedFor !== undefined) headers.push('x-forwarded-for', forwardedFor)
  return headers
}

/**
 * The headers of the browser's response, as a flat list: the upstream's, filtered by core's
 * list (hop-by-hop, `Set-Cookie` and `Access-Control-*` dropped, P-07) and by its own
 * `Connection`, with `Origin, Sec-Fetch-Site` merged into its `Vary`, then `extra` (the
 * session cookie and the CORS grant from `responseHeaders()`).
 */
export function toClientHeaders(
  upstream: Readonly<Record<string, string | string[] | undefined>>,
  extra: readonly (readonly [string, string])[],
): string[] {
  const connectionListed = connectionListedHeaders(joined(upstream.connection))
  const headers: string[] = []
  let vary: string[] = []
  for (const [name, value] of Object.entries(upstream)) {
    if (value === undefined || !isForwardedResponseHeader(name) || connectionListed?.has(name)) {
      continue
    }
    if (name === 'vary') vary = ([] as string[]).concat(value)
    else for (const item of ([] as string[]).concat(value)) headers.push(name, item)
  }
  headers.push('vary', mergeVary(vary))
  for (const [name, value] of extra) headers.push(name, value)
  return headers
}

/**
 * `Vary` with `Origin` and `Sec-Fetch-Site` added: the answer depends on both (CORS grant,
 * request guard), so a shared cache must not hand one caller's response to another.
 */
export function mergeVary(values: readonly string[]): string {
  const names = values
    .flatMap((value) => value.split(','))
    .map((name) => name.trim())
    .filter((name) => name !== '')
  const present = new Set(names.map((name) => name.toLowerCase()))
  if (present.has('*')) return '*'
  for (const name of ['Origin', 'Sec-Fetch-Site']) {
    if (!present.has(name.toLowerCase())) names.push(name)
  }
  return names.join(', ')
}

/** The first value of a header that may repeat, as undici and Node report it. */
export function firstHeader(value: string | string[] | undefined): string | null {
  return (Array.isArray(value) ? value[0] : value) ?? null
}

function forwardedForOf(req: IncomingMessage, trustProxy: boolean): string | undefined {
  const peer = req.socket.remoteAddress
  // Without a proxy we run in front, an incoming X-Forwarded-For is the client's own claim:
  // passing it on would let anyone pose as any address to the upstream's rate limits and logs.
  const incoming = trustProxy ? joined(req.headersDistinct['x-forwarded-for']) : null
  if (incoming === null) return peer
  return peer === undefined ? incoming : `${incoming}, ${peer}`
}

function joined(values: string | readonly string[] | undefined): string | null {
  if (values === undefined) return null
  return typeof values === 'string' ? values : values.join(', ')
}
