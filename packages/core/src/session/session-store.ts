import type { Session } from './session.ts'

/**
 * Where server-side sessions live. The cookie only carries the random session id.
 * Implementations: memory here; SQLite and Redis in their packages.
 */
export interface SessionStore {
  /** The session with this id, or `undefined` when unknown or expired. */
  get(id: string): Promise<Session | undefined>
  /** Creates or replaces the session; it expires by itself after `ttlSeconds`. */
  set(session: Session, ttlSeconds: number): Promise<void>
  /** Removes the session; removing an unknown id is not an error. */
  delete(id: string): Promise<void>
  /**
   * Replay cache: `true` the first time `key` is seen within `ttlSeconds`, `false` after.
   * Makes login transactions and logout tokens single-use (L-06, O-13).
   */
  seenOnce(key: string, ttlSeconds: number): Promise<boolean>
  /** Releases timers and connections. */
  close(): Promise<void>
}
