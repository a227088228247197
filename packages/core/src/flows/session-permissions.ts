import type { RouteConfig } from '../config/schema.ts'
import { CoatcheckError } from '../errors/coatcheck-error.ts'
import type { CookieJar } from '../http/cookies.ts'
import type { RequestHead } from '../http/request-head.ts'
import { planProxy, type UpstreamCall } from '../proxy/proxy-plan.ts'
import { sendPlanned } from '../proxy/send-planned.ts'
import type { Session } from '../session/session.ts'
import type { FlowContext } from './flow-context.ts'

/** What `/session` says of the permissions: the API's rules, or why there are none. */
export type PermissionsResult =
  { readonly rules: unknown } | { readonly error: 'permissions_unavailable' }

/**
 * The session's permission rules from the route that names a permissions endpoint: from
 * the session when fetched for its current tokens, otherwise fetched from the API with the
 * route's token (same kind, audience and DPoP binding as the route's calls) and cached in
 * the session under its token version, so a refresh fetches them again.
 *
 * A failure leaves `/session` working: the answer says `permissions_unavailable` and the
 * SPA's buttons fall back to "not allowed", while the API keeps deciding. Only a session
 * that ended while its token was obtained fails the whole request (401).
 */
export async function readSessionPermissions(
  request: RequestHead,
  session: Session,
  route: RouteConfig & { permissions: string },
  context: FlowContext,
  jar: CookieJar,
): Promise<PermissionsResult> {
  if (session.permissions?.version === session.version) return { rules: session.permissions.rules }
  let rules: unknown
  try {
    rules = await fetchRules(request, route, context, jar)
  } catch (error) {
    if (error instanceof CoatcheckError && error.code === 'unauthenticated') throw error
    // The route path and a code only: never the answer, which may echo a token.
    context.onEvent({ type: 'upstream_error', route: route.path, code: 'permissions_unavailable' })
    return { error: 'permissions_unavailable' }
  }
  await cacheRules(session, rules, context, jar)
  return { rules }
}

/** `GET <upstream><permissions>` with the route's token; one retry as for any API call (P-11). */
async function fetchRules(
  request: RequestHead,
  route: RouteConfig & { permissions: string },
  context: FlowContext,
  jar: CookieJar,
): Promise<unknown> {
  // The same plan as a browser's GET on the route: CSRF already checked, method, URL and
  // token decided the one way every proxied call is.
  const head = { method: 'GET', url: request.url, headers: request.headers }
  const match = { route, rest: route.permissions, search: '' }
  const plan = await planProxy(head, match, context, jar, { replayable: true })
  const response = await sendPlanned(plan, getJson)
  if (!response.ok) {
    await response.body?.cancel()
    throw new Error(`the permissions endpoint answered ${response.status}`)
  }
  const body: unknown = await response.json()
  if (
    typeof body !== 'object' ||
    body === null ||
    !Array.isArray((body as { rules?: unknown }).rules)
  ) {
    throw new Error('the permissions endpoint answered no `rules` array')
  }
  return (body as { rules: unknown[] }).rules
}

function getJson(call: UpstreamCall): Promise<Response> {
  return fetch(`${call.origin}${call.target}`, {
    headers: { ...call.headers, accept: 'application/json' },
    // A redirect would carry the token elsewhere (P-06).
    redirect: 'manual',
    signal: AbortSignal.timeout(call.route.timeoutMs),
  })
}

/**
 * Keeps the rules with the session's current tokens. A compare-and-set on the version: when
 * a refresh happened meanwhile, the next `/session` fetches rules for the new tokens.
 */
async function cacheRules(session: Session, rules: unknown, context: FlowContext, jar: CookieJar) {
  const current = (await context.sessions.reload(session)) ?? session
  const next = { ...current, permissions: { version: current.version, rules } }
  if (await context.sessions.replace(next, current.version)) await context.sessions.adopt(next, jar)
}
