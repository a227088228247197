import type { Session } from './session.ts'
import type { SessionFilter } from './session-store.ts'

/** Bound on memory; the oldest entries go first. */
const MAX_ENTRIES = 100_000

/**
 * Sessions ended by a back-channel logout while their state lives in the browser (the
 * cookie store): sealed cookies stay valid until they expire, so every load asks this list
 * (C-15). An `(issuer, sid)` entry ends that OP session; an `(issuer, sub)` entry ends every
 * session of the user that started before the logout, not the logins after it.
 *
 * Entries live as long as the longest session can, then are forgotten. The list is held by
 * this process: with the cookie store every instance that serves the user must receive the
 * logout token (or share a server-side store instead).
 *
 * @see https://openid.net/specs/openid-connect-backchannel-1_0.html#BCActions
 */
export interface SessionDenylist {
  /** Denies the sessions matching `filter` that started before `loggedOutAt` (epoch ms). */
  add(filter: SessionFilter, loggedOutAt: number): void
  /** Whether `session` was ended by a logout on the list. */
  has(session: Session): boolean
}

/** Creates an empty {@link SessionDenylist} whose entries expire after `ttlMs`. */
export function createSessionDenylist(ttlMs: number, now: () => number): SessionDenylist {
  /** Key → logout time and when the entry is forgotten. */
  const entries = new Map<string, { loggedOutAt: number; until: number }>()
  const keyOf = (filter: SessionFilter) =>
    'sid' in filter
      ? JSON.stringify(['sid', filter.issuer, filter.sid])
      : JSON.stringify(['sub', filter.issuer, filter.sub])

  const deniedBy = (filter: SessionFilter, session: Session): boolean => {
    const key = keyOf(filter)
    const entry = entries.get(key)
    if (!entry) return false
    if (entry.until <= now()) {
      entries.delete(key)
      return false
    }
    return session.createdAt <= entry.loggedOutAt
  }

  return {
    add(filter, loggedOutAt) {
      const key = keyOf(filter)
      entries.delete(key)
      entries.set(key, { loggedOutAt, until: now() + ttlMs })
      if (entries.size > MAX_ENTRIES) {
        const oldest = entries.keys().next()
        if (!oldest.done) entries.delete(oldest.value)
      }
    },
    has(session) {
      const { issuer, sid, sub } = session
      return (
        (sid !== undefined && deniedBy({ issuer, sid }, session)) ||
        deniedBy({ issuer, sub }, session)
      )
    },
  }
}
