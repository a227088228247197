import type { RouteConfig } from '../config/schema.ts'
import { CoatcheckError } from '../errors/coatcheck-error.ts'
import type { CookieJar } from '../http/cookies.ts'
import type { RequestHead } from '../http/request-head.ts'
import { loadActiveSession } from '../flows/active-session.ts'
import type { FlowContext } from '../flows/flow-context.ts'
import type { AccessToken, Session } from '../session/session.ts'
import type { TokenRequest } from '../tokens/token-manager.ts'
import { buildUpstreamTarget, type RouteMatch, type UpstreamTarget } from './route-match.ts'

/** One call to an upstream, fully decided: where, and the headers Coatcheck sets. */
export interface UpstreamCall extends UpstreamTarget {
  readonly route: RouteConfig
  /** Set over the browser's forwarded headers: Authorization, route headers, X-Forwarded-*. */
  readonly headers: Readonly<Record<string, string>>
}

/** An upstream call plus the one retry P-11 allows. */
export interface ProxyPlan extends UpstreamCall {
  /**
   * After an upstream 401 (`isInvalidTokenAnswer`): the same call once more, only for a
   * request that can be sent again (idempotent and bodyless); otherwise `undefined` and the
   * 401 goes to the SPA (P-11). `invalid_token` gets a refreshed token; a DPoP
   * `use_dpop_nonce` (with the `DPoP-Nonce` it sent) a new proof.
   */
  retry(answer?: UpstreamAnswer): Promise<UpstreamCall | undefined>
}

/** What the upstream said when it refused the call. */
export interface UpstreamAnswer {
  readonly wwwAuthenticate: string | null
  readonly dpopNonce: string | null
}

/** What the planner needs to know about the request beyond its head. */
export interface PlanOptions {
  /** The request can be sent twice: an idempotent method without a body. */
  replayable: boolean
  /** A WebSocket handshake: the Origin check replaces the header check. */
  upgrade?: boolean
}

const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE'])

/** Whether a request may be retried after a refresh: idempotent, and nothing to replay. */
export function isReplayable(method: string, hasBody: boolean): boolean {
  return IDEMPOTENT.has(method) && !hasBody
}

/**
 * Whether an upstream answer refuses the token (RFC 6750 §3.1 `invalid_token`) or asks for
 * a DPoP nonce (RFC 9449 §9 `use_dpop_nonce`): the cases `ProxyPlan.retry` handles.
 */
export function isInvalidTokenAnswer(status: number, wwwAuthenticate: string | null): boolean {
  return (
    status === 401 &&
    wwwAuthenticate !== null &&
    /invalid_token|use_dpop_nonce/i.test(wwwAuthenticate)
  )
}

/**
 * Decides an API call: checks (CSRF or WebSocket origin, method), the upstream URL, and
 * the token for the route's kind. Reads as: check request → build upstream URL → obtain
 * token → set headers. Does no upstream I/O, so any HTTP client can carry it out.
 *
 * @see https://datatracker.ietf.org/doc/html/draft-ietf-oauth-browser-based-apps#section-6.1.3.6
 */
export async function planProxy(
  head: RequestHead,
  match: RouteMatch,
  context: FlowContext,
  jar: CookieJar,
  options: PlanOptions,
): Promise<ProxyPlan> {
  const { route } = match
  if (options.upgrade) {
    if (!route.websocket)
      throw new CoatcheckError('method_not_allowed', { message: 'This route takes no WebSocket.' })
    context.guard.checkWebSocketOrigin(head)
  } else {
    context.guard.checkApiRequest(head)
    if (!route.methods.includes(head.method as RouteConfig['methods'][number])) {
      throw new CoatcheckError('method_not_allowed')
    }
  }
  const { origin, target } = buildUpstreamTarget(match)
  // `none` and `client` routes never read the session: no store round trip on their path.
  const withSession = route.token === 'user' || route.token === 'user-or-anonymous'
  const session = withSession ? await loadActiveSession(jar, context) : undefined
  if (!session && route.token === 'user') throw new CoatcheckError('unauthenticated')

  const call = async (rejected?: string): Promise<UpstreamCall> => {
    const token = await tokenFor(route, session, jar, context, rejected)
    const headers = upstreamHeaders(route, token, context)
    if (token && isDpopBound(token)) {
      // A fresh proof for this very request: method, URL and token hash (RFC 9449 §7).
      const url = new URL(target, origin)
      headers.dpop = await (await context.dpop()).proof(head.method, url, token.value)
    }
    return { route, origin, target, headers }
  }
  const atHand = tokenAtHand(route, session, context)
  const first = atHand ? { headers: upstreamHeaders(route, atHand.token, context) } : await call()
  let retried = false
  return {
    route,
    origin,
    target,
    headers: first.headers,
    async retry(answer) {
      if (retried || !options.replayable || route.token === 'none') return undefined
      if (route.token === 'user-or-anonymous' && !session) return undefined
      retried = true
      if (route.dpop && answer?.dpopNonce) {
        ;(await context.dpop()).rememberNonce(new URL(origin), answer.dpopNonce)
        if (/use_dpop_nonce/i.test(answer.wwwAuthenticate ?? '')) return call()
      }
      const refused = first.headers.authorization?.replace(/^\S+ /, '')
      return call(refused)
    },
  }
}

/**
 * The token of most calls, decided without waiting: none at all, or the session's own while
 * it is fresh and not DPoP-bound. `undefined` when `tokenFor` has work to do (a refresh, a
 * client token, a DPoP proof).
 */
function tokenAtHand(
  route: RouteConfig,
  session: Session | undefined,
  context: FlowContext,
): { token: AccessToken | undefined } | undefined {
  if (route.token === 'none') return { token: undefined }
  if (route.token === 'client' || route.dpop) return undefined
  if (!session) return { token: undefined }
  const token = context.tokens.usableToken(session, tokenRequest(route))
  return token && !isDpopBound(token) ? { token } : undefined
}

/** A DPoP-bound token (`token_type` DPoP, RFC 9449 §5): sent with a proof of possession. */
function isDpopBound(token: AccessToken): boolean {
  return /^dpop$/i.test(token.type)
}

/** What a route asks of the token manager. */
function tokenRequest(route: RouteConfig, rejected?: string): TokenRequest {
  return { resource: route.resource, scopes: route.scopes, dpop: route.dpop, rejected }
}

async function tokenFor(
  route: RouteConfig,
  session: Session | undefined,
  jar: CookieJar,
  context: FlowContext,
  rejected: string | undefined,
): Promise<AccessToken | undefined> {
  switch (route.token) {
    case 'none':
      return undefined
    case 'client':
      return context.clientTokens.token(route, rejected)
    case 'user':
    case 'user-or-anonymous': {
      if (!session) return undefined
      try {
        const result = await context.tokens.userToken(session, tokenRequest(route, rejected))
        // The cookie store carries the refreshed session in this response's cookies.
        if (result.session.version !== session.version)
          await context.sessions.adopt(result.session, jar)
        return result.token
      } catch (error) {
        // The refresh token was refused: the session is over, on the server and in this
        // browser, and the SPA learns it from the 401.
        if (error instanceof CoatcheckError && error.code === 'unauthenticated') {
          await context.sessions.destroy(session, jar)
        }
        throw error
      }
    }
  }
}

function upstreamHeaders(
  route: RouteConfig,
  token: AccessToken | undefined,
  context: FlowContext,
): Record<string, string> {
  const headers = { ...staticHeaders(route, context) }
  if (token) headers.authorization = `${isDpopBound(token) ? 'DPoP' : 'Bearer'} ${token.value}`
  return headers
}

const routeHeaders = new WeakMap<RouteConfig, Readonly<Record<string, string>>>()

/** The headers every call of a route carries, built once per route rather than per request. */
function staticHeaders(route: RouteConfig, context: FlowContext): Readonly<Record<string, string>> {
  let headers = routeHeaders.get(route)
  if (!headers) {
    const publicUrl = new URL(context.config.publicUrl)
    headers = {
      ...Object.fromEntries(
        Object.entries(route.headers).map(([name, value]) => [name.toLowerCase(), value]),
      ),
      // Set by Coatcheck only; anything the browser sent under these names was dropped (P-05).
      'x-forwarded-host': publicUrl.host,
      'x-forwarded-proto': publicUrl.protocol.slice(0, -1),
    }
    routeHeaders.set(route, headers)
  }
  return headers
}
