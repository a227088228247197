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
  const entries = new Map<string, { session: Session; until: number }>()

  function get(id: string): Session | undefined {
    const entry = entries.get(id)
    if (!entry) return undefined
    if (entry.until <= now()) {
      entries.delete(id)
      return undefined
    }
    return entry.session
  }

  return {
    get,
    /** The remembered state of `session` when it is newer than the one given. */
    newerThan(session: Session): Session | undefined {
      const known = get(session.id)
      return known && known.version > session.version ? known : undefined
    },
    remember(session: Session): void {
      entries.delete(session.id)
      entries.set(session.id, { session, until: now() + REMEMBER_MS })
      if (entries.size > MAX_ENTRIES) {
        const oldest = entries.keys().next()
        if (!oldest.done) entries.delete(oldest.value)
      }
    },
  }
}
