import type { EventSink } from '../events/coatcheck-event.ts'
import type { CookieJar } from '../http/cookies.ts'
import { createStoreCaller, storeFailure } from './internal/call-store.ts'
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

/** Refreshed sessions kept in memory while the store cannot take them. */
const MAX_UNSAVED = 10_000

/** Options of {@link createServerSessions}. */
export interface ServerSessionsOptions {
  store: SessionStore
  cookie: SessionCookieOptions
  /** Epoch milliseconds; injected so tests control time. Defaults to `Date.now`. */
  now?: () => number
  /** Receives a `store_error` event for every failed store call. */
  onEvent?: EventSink
}

/**
 * Server-side sessions: the cookie carries only the session's random 128-bit id (C-08), the
 * tokens stay in `store`. Cookies stay tiny and a session can be revoked by deleting it.
 * Store failures surface as `store_unavailable` (503) and a `store_error` event, never as
 * "no session": a store that is down must not log anyone out.
 *
 * @see https://cheatsheetseries.owasp.org/cheatsheets/Session_Management_Cheat_Sheet.html#session-id-properties
 */
export function createServerSessions(options: ServerSessionsOptions): SessionPersistence {
  const { store, cookie } = options
  const now = options.now ?? Date.now
  const attributes = sessionCookieAttributes(cookie)
  const onEvent = options.onEvent ?? (() => {})
  const callStore = createStoreCaller(onEvent)
  // Refreshed sessions whose write failed. The identity provider has already rotated the
  // refresh token, so this is the only copy of the new one: written back on the next read,
  // the session survives the outage instead of ending in a refresh-token reuse.
  const unsaved = new Map<string, { session: Session; expectedVersion: number }>()

  /** The live session `id`, as `load` answers it (server sessions never renew the cookie). */
  async function read(id: string): Promise<{ session: Session; renew: false } | undefined> {
    let stored: unknown
    // The store called here, not through `callStore`: this runs on every API call, and each
    // layer of promises costs it a turn of the microtask queue.
    try {
      stored = await store.get(id)
    } catch (error) {
      throw storeFailure(error, onEvent)
    }
    // A store answering with another id than asked would hand one user's session to another.
    const current =
      isSession(stored) && stored.id === id && isLive(stored, now()) ? stored : undefined
    const pending = unsaved.get(id)
    if (!pending) return current && { session: current, renew: false }
    // Only on top of the state it was refreshed from: a newer refresh or an ended session wins.
    const seconds = remainingSeconds(pending.session, now())
    const written =
      current?.version === pending.expectedVersion &&
      seconds > 0 &&
      (await callStore(() => store.update(pending.session, pending.expectedVersion, seconds)))
    unsaved.delete(id)
    const session = written ? pending.session : current
    return session && { session, renew: false }
  }

  function load(jar: CookieJar): Promise<{ session: Session; renew: boolean } | undefined> {
    const id = jar.get(cookie.name)
    // Anything that is not a well-formed id is junk or a probe: never let it reach the
    // store, where it could cost a round trip or meet a store-specific parsing bug.
    if (!isSessionId(id)) return Promise.resolve(undefined)
    return read(id)
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
    for (const id of ids) {
      unsaved.delete(id)
      await callStore(() => store.delete(id))
    }
    jar.expire(cookie.name, attributes)
  }

  function rememberUnsaved(session: Session, expectedVersion: number): void {
    unsaved.delete(session.id)
    unsaved.set(session.id, { session, expectedVersion })
    // Bounded: a long outage must not grow the heap without limit; the oldest go first.
    if (unsaved.size > MAX_UNSAVED) unsaved.delete(unsaved.keys().next().value as string)
  }

  return {
    load,
    save,
    destroy,
    async replace(next, expectedVersion) {
      const seconds = remainingSeconds(next, now())
      if (seconds <= 0) return false
      try {
        return await callStore(() => store.update(next, expectedVersion, seconds))
      } catch (error) {
        if (next.version > expectedVersion) rememberUnsaved(next, expectedVersion)
        throw error
      }
    },
    reload: async (session) => (await read(session.id))?.session,
    // The cookie holds only the id, which never changes during a session.
    adopt: async () => {},
    lock: (key, leaseMs) => callStore(() => store.lock(key, leaseMs)),
    seenOnce: (key, ttlSeconds) => callStore(() => store.seenOnce(key, ttlSeconds)),
    close: () => store.close(),
  }
}
