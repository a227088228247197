import type { CookieJar, SameSite } from '../http/cookies.ts'
import type { Session } from './session.ts'
import type { StoreLock } from './session-store.ts'

/**
 * How a session travels between requests: an id cookie plus a server-side store
 * (`createServerSessions`), or the whole session sealed in cookies (`createCookieSessions`).
 * The flows use only this interface, so the choice is configuration.
 */
export interface SessionPersistence {
  /**
   * The session the request's cookies point to; `undefined` when absent, unknown,
   * tampered with or expired (`session.expiresAt` passed). Never throws for bad cookie
   * input. `renew` is true when the cookie must be re-written (e.g. sealed with an old key).
   */
  load(jar: CookieJar): Promise<{ session: Session; renew: boolean } | undefined>
  /**
   * Stores a new session (login) and writes its cookie(s) into `jar`. Max-Age is the
   * remaining absolute lifetime, capped at the 400 days browsers allow (C-11). A session
   * whose `expiresAt` has passed is destroyed instead.
   */
  save(session: Session, jar: CookieJar): Promise<void>
  /**
   * Writes a new state of an existing session (idle touch, refreshed tokens) only if the
   * stored version is still `expectedVersion`; `false` when someone else changed it first
   * or it is gone. Writes no cookie: call {@link SessionPersistence.adopt} for that.
   */
  replace(next: Session, expectedVersion: number): Promise<boolean>
  /** The newest state of this session known here, or `undefined` when it has ended. */
  reload(session: Session): Promise<Session | undefined>
  /**
   * Makes this response carry `session`: the sealed cookies of the cookie store; nothing
   * for a server-side store, whose cookie holds only the unchanging id.
   */
  adopt(session: Session, jar: CookieJar): Promise<void>
  /** An exclusive lease that coordinates token refreshes of one session. */
  lock(key: string, leaseMs: number): Promise<StoreLock | undefined>
  /** Deletes the session (if any) and expires every cookie of it in `jar`. */
  destroy(session: Session | undefined, jar: CookieJar): Promise<void>
  /** Replay cache: `true` the first time `key` is seen within `ttlSeconds` (`SessionStore.seenOnce`). */
  seenOnce(key: string, ttlSeconds: number): Promise<boolean>
  /** Closes the store or replay cache it was given or created. */
  close(): Promise<void>
}

/** The session cookie's name and the attributes that may vary; Secure, HttpOnly and `Path=/` are fixed. */
export interface SessionCookieOptions {
  /** E.g. `__Host-coatcheck` (C-05). */
  name: string
  /** `Strict` unless a documented reason needs `Lax` or `None` (C-03). */
  sameSite: SameSite
  /** Leave unset (C-04); not allowed with a `__Host-` name. */
  domain?: string
  /** Only for a BFF embedded in cross-site iframes (C-17). */
  partitioned?: boolean
}
