import type { RouteConfig } from '../config/schema.ts'
import type { CookieJar } from '../http/cookies.ts'
import { CoatcheckError } from '../errors/coatcheck-error.ts'
import { loadActiveSession } from '../flows/active-session.ts'
import type { FlowContext } from '../flows/flow-context.ts'

/**
 * Headers that never cross the proxy from the browser: hop-by-hop headers (RFC 9110 §7.6.1),
 * the browser's credentials (the session cookie must not reach the API; a browser-supplied
 * Authorization or DPoP must not replace ours, P-04) and forwarding headers the client could
 * forge (P-05).
 */
const REQUEST_HEADERS_DROPPED = [
  'connection',
  'keep-alive',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
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
  'x-real-ip',
]

/** Upstream headers the browser never sees: hop-by-hop ones, and `Set-Cookie`, so an API cannot set cookies on the app's site (P-07). */
const RESPONSE_HEADERS_DROPPED = [
  'connection',
  'keep-alive',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'set-cookie',
  'set-cookie2',
  'content-encoding',
  'content-length',
]

/** The route whose path prefix matches, and the rest of the path after it. */
export function matchRoute(
  pathname: string,
  routes: readonly RouteConfig[],
): { route: RouteConfig; rest: string } | undefined {
  for (const route of routes) {
    if (pathname === route.path || pathname.startsWith(`${route.path}/`)) {
      return { route, rest: pathname.slice(route.path.length) }
    }
  }
  return undefined
}

/**
 * Forwards an SPA request to the route's upstream with the session's access token.
 *
 * @see https://www.ietf.org/archive/id/draft-ietf-oauth-browser-based-apps-26.html#section-6.1.3.6
 */
export async function forwardToUpstream(
  request: Request,
  match: { route: RouteConfig; rest: string },
  context: FlowContext,
  jar: CookieJar,
): Promise<Response> {
  const { route } = match
  context.guard.checkApiRequest(request)
  if (!route.methods.includes(request.method as RouteConfig['methods'][number])) {
    throw new CoatcheckError('method_not_allowed')
  }
  const target = buildUpstreamUrl(route, match.rest, new URL(request.url).search)
  const headers = forwardedRequestHeaders(request, context)
  if (route.token === 'user') {
    const session = await loadActiveSession(jar, context)
    if (!session) throw new CoatcheckError('unauthenticated')
    headers.set('authorization', `Bearer ${session.tokens.accessToken}`)
  }

  let upstream: Response
  try {
    upstream = await fetch(target, {
      method: request.method,
      headers,
      body: request.body,
      // Never follow a redirect with the token attached (P-06): the browser gets the 3xx.
      redirect: 'manual',
      signal: AbortSignal.any([request.signal, AbortSignal.timeout(route.timeoutMs)]),
      ...({ duplex: 'half' } as object),
    })
  } catch (cause) {
    const timedOut = cause instanceof DOMException && cause.name === 'TimeoutError'
    throw new CoatcheckError(timedOut ? 'upstream_timeout' : 'upstream_unavailable', { cause })
  }
  const responseHeaders = new Headers(upstream.headers)
  for (const name of RESPONSE_HEADERS_DROPPED) responseHeaders.delete(name)
  return new Response(upstream.body, {
    status: upstream.status,
    statusText: upstream.statusText,
    headers: responseHeaders,
  })
}

/**
 * The upstream URL, fixed by configuration: the browser only picks a path below the
 * route's base (P-01, P-02). Encoded separators and dot segments are refused outright,
 * since an upstream that decodes them again would see a different path than we checked.
 */
function buildUpstreamUrl(route: RouteConfig, rest: string, search: string): URL {
  if (/%2f|%5c|%2e|\\/i.test(rest) || rest.includes('//')) {
    throw new CoatcheckError('bad_request', {
      message: 'The API path contains an encoded separator.',
    })
  }
  const base = new URL(route.upstream)
  const basePath = base.pathname.replace(/\/$/, '')
  const target = new URL(base.origin)
  target.pathname = basePath + rest
  target.search = search
  // Defence in depth: whatever the path held, origin and prefix must still be the configured ones.
  if (target.origin !== base.origin || !`${target.pathname}/`.startsWith(`${basePath}/`)) {
    throw new CoatcheckError('bad_request', { message: 'The API path leaves its route.' })
  }
  return target
}

function forwardedRequestHeaders(request: Request, context: FlowContext): Headers {
  const headers = new Headers(request.headers)
  const listed = request.headers.get('connection')
  if (listed) for (const name of listed.split(',')) headers.delete(name.trim())
  for (const name of REQUEST_HEADERS_DROPPED) headers.delete(name)
  headers.delete(context.config.csrf.headerName)
  // fetch decodes compressed bodies itself; asking for identity keeps bytes and headers in step.
  headers.set('accept-encoding', 'identity')
  return headers
}
