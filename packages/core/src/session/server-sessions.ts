import { CoatcheckError, isCoatcheckError } from '../errors/coatcheck-error.ts'
import type { CookieJar } from '../http/cookies.ts'
import { isSession, isSessionId } from './internal/is-session.ts'
import {
  cookieMaxAge,
  isLive,
  remainingSeconds,
  sessionCookieAttributes,
} from './internal/session-cookie.ts'
import type { Session } from './session.ts'
import type { SessionCookieOptions, SessionPersistence } from './session-persistence.ts'
import type { SessionStore } from './session-store.ts'

/** Options of {@link createServerSessions}. */
export interface ServerSessionsOptions {
  store: SessionStore
  cookie: SessionCookieOptions
  /** Epoch milliseconds; injected so tests control time. Defaults to `Date.now`. */
  now?: () => number
}

/**
 * Server-side sessions: the cookie carries only the session's random 128-bit id (C-08), the
 * tokens stay in `store`. Cookies stay tiny and a session can be revoked by deleting it.
 * Store failures surface as `store_unavailable`.
 *
 * @see https://cheatsheetseries.owasp.org/cheatsheets/Session_Management_Cheat_Sheet.html#session-id-properties
 */
export function createServerSessions(options: ServerSessionsOptions): SessionPersistence {
  const { store, cookie } = options
  const now = options.now ?? Date.now
  const attributes = sessionCookieAttributes(cookie)

  async function load(jar: CookieJar): Promise<{ session: Session; renew: boolean } | undefined> {
    const id = jar.get(cookie.name)
    // Anything that is not a well-formed id is junk or a probe: never let it reach the
    // store, where it could cost a round trip or meet a store-specific parsing bug.
    if (!isSessionId(id)) return undefined
    const session = await callStore(() => store.get(id))
    // A store answering with another id than asked would hand one user's session to another.
    if (!isSession(session) || session.id !== id || !isLive(session, now())) return undefined
    return { session, renew: false }
  }

  async function save(session: Session, jar: CookieJar): Promise<void> {
    if (!isSessionId(session.id)) {
      throw new TypeError('session.id must be a 22-character base64url id from randomId()')
    }
    const seconds = remainingSeconds(session, now())
    if (seconds <= 0) return destroy(session, jar)
    await callStore(() => store.set(session, seconds))
    jar.set(cookie.name, session.id, { ...attributes, maxAge: cookieMaxAge(seconds) })
  }

  async function destroy(session: Session | undefined, jar: CookieJar): Promise<void> {
    const ids = new Set<string>()
    if (session) ids.add(session.id)
    // Also the id the browser holds when the caller could not load it (e.g. expired).
    const presented = jar.get(cookie.name)
    if (isSessionId(presented)) ids.add(presented)
    for (const id of ids) await callStore(() => store.delete(id))
    jar.expire(cookie.name, attributes)
  }

  return {
    load,
    save,
    destroy,
    async replace(next, expectedVersion) {
      const seconds = remainingSeconds(next, now())
      if (seconds <= 0) return false
      return callStore(() => store.update(next, expectedVersion, seconds))
    },
    async reload(session) {
      const current = await callStore(() => store.get(session.id))
      return isSession(current) && current.id === session.id && isLive(current, now())
        ? current
        : undefined
    },
    // The cookie holds only the id, which never changes during a session.
    adopt: async () => {},
    lock: (key, leaseMs) => callStore(() => store.lock(key, leaseMs)),
    seenOnce: (key, ttlSeconds) => callStore(() => store.seenOnce(key, ttlSeconds)),
    close: () => store.close(),
  }
}

/** Runs a store call, turning its failures into `store_unavailable` (503). */
export async function callStore<T>(operation: () => Promise<T>): Promise<T> {
  try {
    return await operation()
  } catch (error) {
    if (isCoatcheckError(error)) throw error
    throw new CoatcheckError('store_unavailable', { cause: error })
  }
}
