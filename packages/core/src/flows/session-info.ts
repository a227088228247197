import type { CookieJar } from '../http/cookies.ts'
import { requireActiveSession, sessionEndsAt } from './active-session.ts'
import { json, type FlowContext } from './flow-context.ts'
import { readSessionPermissions, type PermissionsResult } from './session-permissions.ts'

/** What `GET /session` answers for a logged-in browser. Never a token (C-14). */
export interface SessionInfo {
  authenticated: true
  /** Only the claims listed in `session.claims` of the configuration. */
  user: Record<string, unknown>
  /** Epoch milliseconds at which the session ends unless used again (idle) or at the latest. */
  expiresAt: number
  /**
   * The rules of the API's permissions endpoint (`routes[].permissions`) for
   * `@coatcheck/client/permissions`. Absent when no route names one.
   */
  permissions?: { rules: unknown }
  /** Set instead of `permissions` when the rules could not be fetched this time. */
  permissionsError?: 'permissions_unavailable'
}

/**
 * `GET /session`: who is logged in, and what they may do, for the SPA. No session → 401 JSON, like every other
 * SPA-facing endpoint, so the SDK has one rule.
 */
export async function getSessionInfo(
  request: Request,
  context: FlowContext,
  jar: CookieJar,
): Promise<Response> {
  const session = await requireActiveSession(request, jar, context)
  const user: Record<string, unknown> = {}
  // An allowlist, not a denylist: a new claim the IdP adds stays private until configured.
  for (const name of context.config.session.claims) {
    if (session.claims[name] !== undefined) user[name] = session.claims[name]
  }
  const body: SessionInfo = {
    authenticated: true,
    user,
    expiresAt: sessionEndsAt(session, context),
  }
  const route = context.config.routes.find(hasPermissions)
  if (route) {
    const result: PermissionsResult = await readSessionPermissions(
      request,
      session,
      route,
      context,
      jar,
    )
    if ('rules' in result) body.permissions = { rules: result.rules }
    else body.permissionsError = result.error
  }
  return json(body)
}

function hasPermissions<R extends { permissions?: string | undefined }>(
  route: R,
): route is R & { permissions: string } {
  return route.permissions !== undefined
}
