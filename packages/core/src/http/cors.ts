/**
 * CORS for an SPA on a sibling origin: credentials are allowed for exact allowlisted
 * origins only, never `*`, never a reflected `Origin`, never a pattern on subdomains.
 * Same-origin deployments never send preflights and need none of this.
 *
 * @see https://fetch.spec.whatwg.org/#http-cors-protocol
 * @see https://cheatsheetseries.owasp.org/cheatsheets/HTML5_Security_Cheat_Sheet.html#cross-origin-resource-sharing
 */
import type { RequestHead } from './request-head.ts'
import { ERROR_CODES } from '../errors/coatcheck-error.ts'
import { jsonError } from '../errors/error-response.ts'
import { requireExactOrigin } from './internal/exact-origin.ts'

/** Options of {@link createCors}. */
export interface CorsOptions {
  /** Exact SPA origins allowed to call Coatcheck with credentials (`config.allowedOrigins`). */
  allowedOrigins: ReadonlySet<string>
  /** The static anti-CSRF header the SPA sends; always allowed in preflights. */
  csrfHeaderName: string
  /** How long browsers may cache a preflight; default 600. Browsers cap it (Chromium: 7200). */
  maxAgeSeconds?: number
}

/** CORS handling: answer preflights, and label actual responses for the browser. */
export interface Cors {
  /**
   * Answers a CORS preflight (an `OPTIONS` request with `Origin` and
   * `Access-Control-Request-Method`): 204 with the grants for an allowlisted origin, or a 403
   * JSON `origin_not_allowed` without any `Access-Control-*` header for any other origin.
   * Returns `undefined` for a request that is not a preflight.
   */
  preflight(request: RequestHead): Response | undefined
  /**
   * Labels a response for the browser: `Access-Control-Allow-Origin: <exact origin>` and
   * `Access-Control-Allow-Credentials: true` for an allowlisted origin, and `Vary: Origin`
   * always. `Access-Control-*` headers already on the response (from an upstream API) are
   * dropped, so an upstream cannot widen who may read it. Copies the response when its
   * headers are immutable (as on a `fetch()` response).
   */
  apply(request: RequestHead, response: Response): Response
  /**
   * The labels of `apply` as plain header pairs, for a response the Node fast path writes
   * itself: the grant for an allowlisted origin (none otherwise). `Vary` is left to the
   * caller, which merges it with the upstream's.
   */
  grantHeaders(request: RequestHead): Record<string, string>
}

const ALLOWED_METHODS = 'GET, HEAD, POST, PUT, PATCH, DELETE'
const PREFLIGHT_VARY = 'Origin, Access-Control-Request-Method, Access-Control-Request-Headers'
const HEADER_NAME = /^[a-z0-9!#$%&'*+.^_`|~-]+$/

// Request headers a preflight never grants, even when the SPA asks for them:
const DENIED_HEADERS = new Set([
  // Credentials. In a BFF the browser holds no token; a script that sends one is misusing the
  // proxy or smuggling its own credential upstream (P-04).
  'authorization',
  'proxy-authorization',
  'dpop',
  'cookie',
  // Client identity that upstreams trust: a script must not claim another IP, host or scheme (P-05).
  'forwarded',
  'x-real-ip',
  'x-client-ip',
  'true-client-ip',
  // Method and URL overrides: some upstream frameworks honour them, which would turn an
  // allowed GET into a DELETE or reroute it past the per-route method allowlist (P-03, X-08).
  'x-http-method-override',
  'x-http-method',
  'x-method-override',
  'x-original-url',
  'x-rewrite-url',
  // Headers Fetch forbids scripts to set: a preflight asking for them is not from a browser's
  // fetch(), so there is nothing legitimate to grant.
  'host',
  'origin',
  'referer',
  'connection',
  'keep-alive',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'content-length',
  'expect',
  'via',
  'date',
])
const DENIED_PREFIXES = ['x-forwarded-', 'sec-', 'proxy-', 'access-control-']

/**
 * Creates the CORS handler. Options are checked once, here.
 *
 * @throws TypeError when an allowed origin is not an exact http(s) origin, or `maxAgeSeconds`
 *   is not a non-negative integer.
 */
export function createCors(options: CorsOptions): Cors {
  const allowedOrigins = new Set([...options.allowedOrigins].map(requireExactOrigin))
  const maxAge = String(requireMaxAge(options.maxAgeSeconds ?? 600))
  const alwaysAllowedHeaders = [options.csrfHeaderName.toLowerCase(), 'content-type', 'accept']
  // Exact set membership only: reflecting Origin, or matching `*.example.com`, would hand
  // credentialed reads to any origin that can get its name to pass the test.
  const isAllowedOrigin = (origin: string | null): origin is string =>
    origin !== null && allowedOrigins.has(origin)

  return {
    preflight(request) {
      const origin = request.headers.get('origin')
      const method = request.headers.get('access-control-request-method')
      if (request.method !== 'OPTIONS' || origin === null || method === null) return undefined
      if (!isAllowedOrigin(origin)) {
        // No Access-Control-* header at all, so the browser fails the preflight and the actual
        // request is never sent.
        const refusal = jsonError(
          'origin_not_allowed',
          ERROR_CODES.origin_not_allowed.status,
          ERROR_CODES.origin_not_allowed.message,
        )
        refusal.headers.set('vary', PREFLIGHT_VARY)
        return refusal
      }
      const requested = request.headers.get('access-control-request-headers')
      return new Response(null, {
        status: 204,
        headers: {
          'access-control-allow-origin': origin,
          'access-control-allow-credentials': 'true',
          // The browser checks the method against this list; no need to refuse here.
          'access-control-allow-methods': ALLOWED_METHODS,
          'access-control-allow-headers': toAllowedHeaders(alwaysAllowedHeaders, requested),
          'access-control-max-age': maxAge,
          // The answer differs per origin and per request: a shared cache must not reuse it.
          vary: PREFLIGHT_VARY,
        },
      })
    },

    apply(request, response) {
      const target = withMutableHeaders(response)
      removeCorsHeaders(target.headers)
      // Without Vary, a cache could serve a response labelled for one origin to another, or
      // one the request guard allowed for a same-origin caller to a cross-site one.
      appendVary(target.headers, 'Origin')
      appendVary(target.headers, 'Sec-Fetch-Site')
      for (const [name, value] of Object.entries(this.grantHeaders(request))) {
        target.headers.set(name, value)
      }
      return target
    },

    grantHeaders(request) {
      const origin = request.headers.get('origin')
      if (!isAllowedOrigin(origin)) return {}
      return {
        'access-control-allow-origin': origin,
        'access-control-allow-credentials': 'true',
      }
    },
  }
}

function toAllowedHeaders(always: readonly string[], requested: string | null): string {
  const granted = new Set(always)
  for (const raw of (requested ?? '').split(',')) {
    const name = raw.trim().toLowerCase()
    // Each requested name is checked, never echoed wholesale: an unchecked echo would grant
    // credential or routing headers to any allowlisted page, XSS included.
    if (HEADER_NAME.test(name) && !isDeniedHeader(name)) granted.add(name)
  }
  return [...granted].join(', ')
}

function isDeniedHeader(name: string): boolean {
  return DENIED_HEADERS.has(name) || DENIED_PREFIXES.some((prefix) => name.startsWith(prefix))
}

function requireMaxAge(value: number): number {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new TypeError(`maxAgeSeconds must be a non-negative integer, got ${value}`)
  }
  return value
}

function withMutableHeaders(response: Response): Response {
  try {
    // A write the response needs anyway doubles as the probe: immutable headers throw.
    response.headers.delete('access-control-allow-origin')
    return response
  } catch {
    return new Response(response.body, response)
  }
}

function removeCorsHeaders(headers: Headers): void {
  const names = [...headers.keys()].filter((name) => name.startsWith('access-control-'))
  for (const name of names) headers.delete(name)
}

function appendVary(headers: Headers, name: string): void {
  const current = (headers.get('vary') ?? '').split(',').map((part) => part.trim().toLowerCase())
  if (current.includes('*') || current.includes(name.toLowerCase())) return
  headers.append('vary', name)
}
