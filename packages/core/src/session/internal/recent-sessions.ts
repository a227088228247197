import type { Session } from '../session.ts'

/** How long a refreshed session is remembered: longer than any request in flight. */
const REMEMBER_MS = 15 * 60_000
/** Bound on memory; the oldest entries go first. */
const MAX_ENTRIES = 10_000

/**
 * The newest state of sessions this process refreshed, for the stateless cookie store:
 * requests that left the browser before the new cookie arrived still carry the old refresh
 * token, which the identity provider has consumed. They must get the new tokens instead of
 * redeeming it again, which reuse detection answers by revoking the whole grant.
 */
export function createRecentSessions(now: () => number) {
  // `session: undefined` marks a session this process ended.
  const entries = new Map<string, { session: Session | undefined; until: number }>()

  function entry(id: string) {
    const found = entries.get(id)
    if (found && found.until <= now()) {
      entries.delete(id)
      return undefined
    }
    return found
  }
  const get = (id: string): Session | undefined => entry(id)?.session

  function put(id: string, session: Session | undefined, until: number): void {
    entries.delete(id)
    entries.set(id, { session, until })
    if (entries.size > MAX_ENTRIES) {
      const oldest = entries.keys().next()
      if (!oldest.done) entries.delete(oldest.value)
    }
  }

  return {
    get,
    /** The remembered state of `session` when it is newer than the one given. */
    newerThan(session: Session): Session | undefined {
      const known = get(session.id)
      return known && known.version > session.version ? known : undefined
    },
    remember(session: Session): void {
      put(session.id, session, now() + REMEMBER_MS)
    },
    /**
     * Marks `session` as ended (logout, refused refresh token): requests of this process
     * that still carry its cookie get no session, not another refresh attempt.
     */
    forget(session: Session): void {
      put(session.id, undefined, Math.min(session.expiresAt, now() + REMEMBER_MS))
    },
    /** Whether this process ended the session with this id. */
    ended: (id: string): boolean => {
      const found = entry(id)
      return found !== undefined && found.session === undefined
    },
  }
}
