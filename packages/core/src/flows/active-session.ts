import type { CookieJar } from '../http/cookies.ts'
import { CoatcheckError } from '../errors/coatcheck-error.ts'
import type { Session } from '../session/session.ts'
import type { FlowContext } from './flow-context.ts'

/**
 * The session this request belongs to, with the idle and absolute timeouts enforced here on
 * the server, not by a client-side timer (C-12). An ended session is destroyed and its
 * cookies expired in `jar`.
 *
 * `lastSeenAt` is written back at most once a minute (or a tenth of the idle timeout), so
 * ordinary API calls cause neither a store write nor a `Set-Cookie`.
 */
export async function loadActiveSession(
  jar: CookieJar,
  context: FlowContext,
): Promise<Session | undefined> {
  const loaded = await context.sessions.load(jar)
  if (!loaded) return undefined
  const { session } = loaded
  const now = context.now()
  const idleMs = context.config.session.idleTimeoutSeconds * 1000
  if (now >= session.expiresAt || now - session.lastSeenAt >= idleMs) {
    await context.sessions.destroy(session, jar)
    return undefined
  }
  if (now - session.lastSeenAt >= Math.min(60_000, idleMs / 10)) {
    return touchSession(session, jar, context, now)
  }
  if (loaded.renew) await context.sessions.adopt(session, jar)
  return session
}

/**
 * The session of a request to an SPA endpoint: the anti-CSRF header and Origin checked
 * first, then {@link loadActiveSession}.
 *
 * @throws CoatcheckError `unauthenticated` (401 JSON, never a redirect) without one.
 */
export async function requireActiveSession(
  request: Request,
  jar: CookieJar,
  context: FlowContext,
): Promise<Session> {
  context.guard.checkApiRequest(request)
  const session = await loadActiveSession(jar, context)
  if (!session) throw new CoatcheckError('unauthenticated')
  return session
}

/**
 * Records that the session was used. A compare-and-set, never a blind write: a blind
 * write could put back the refresh token a concurrent refresh just rotated away.
 */
async function touchSession(
  session: Session,
  jar: CookieJar,
  context: FlowContext,
  now: number,
): Promise<Session | undefined> {
  const touched = { ...session, lastSeenAt: now }
  if (await context.sessions.replace(touched, session.version)) {
    await context.sessions.adopt(touched, jar)
    return touched
  }
  const current = await context.sessions.reload(session)
  if (current) await context.sessions.adopt(current, jar)
  return current
}

/** When the session ends if nothing else happens: the earlier of idle and absolute expiry. */
export function sessionEndsAt(session: Session, context: Pick<FlowContext, 'config'>): number {
  return Math.min(
    session.expiresAt,
    session.lastSeenAt + context.config.session.idleTimeoutSeconds * 1000,
  )
}
