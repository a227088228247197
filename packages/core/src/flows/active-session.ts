import type { CookieJar } from '../http/cookies.ts'
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
  if (loaded.renew || now - session.lastSeenAt >= Math.min(60_000, idleMs / 10)) {
    const touched = { ...session, lastSeenAt: now }
    await context.sessions.save(touched, jar)
    return touched
  }
  return session
}

/** When the session ends if nothing else happens: the earlier of idle and absolute expiry. */
export function sessionEndsAt(session: Session, context: FlowContext): number {
  return Math.min(
    session.expiresAt,
    session.lastSeenAt + context.config.session.idleTimeoutSeconds * 1000,
  )
}
