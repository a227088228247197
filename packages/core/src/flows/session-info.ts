import type { CookieJar } from '../http/cookies.ts'
import { requireActiveSession, sessionEndsAt } from './active-session.ts'
import { json, type FlowContext } from './flow-context.ts'

/** What `GET /session` answers for a logged-in browser. Never a token (C-14). */
export interface SessionInfo {
  authenticated: true
  /** Only the claims listed in `session.claims` of the configuration. */
  user: Record<string, unknown>
  /** Epoch milliseconds at which the session ends unless used again (idle) or at the latest. */
  expiresAt: number
}

/**
 * `GET /session`: who is logged in, for the SPA. No session → 401 JSON, like every other
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
  return json(body)
}
