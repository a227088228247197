import type { Sealer } from '../crypto/sealer.ts'
import type { CookieJar } from '../http/cookies.ts'
import { familyCookieNames, joinCookies, splitIntoCookies } from './internal/cookie-chunks.ts'
import { createStoreCaller } from './internal/call-store.ts'
import { isSession, isSessionId } from './internal/is-session.ts'
import {
  cookieMaxAge,
  isLive,
  remainingSeconds,
  sessionCookieAttributes,
} from './internal/session-cookie.ts'
import { createMemoryStore } from './memory-store.ts'
import { createRecentSessions } from './internal/recent-sessions.ts'
import type { Session } from './session.ts'
import type { SessionCookieOptions, SessionPersistence } from './session-persistence.ts'
import type { SessionStore } from './session-store.ts'
import type { EventSink } from '../events/coatcheck-event.ts'
import type { SessionDenylist } from './session-denylist.ts'

/** Options of {@link createCookieSessions}. */
export interface CookieSessionsOptions {
  sealer: Sealer
  cookie: SessionCookieOptions
  /** Epoch milliseconds; injected so tests control time. Defaults to `Date.now`. */
  now?: () => number
  /** Backs `seenOnce`. Defaults to a store in this process's memory. */
  replayCache?: SessionStore
  /** Receives a `store_error` event for every failed replay-cache call. */
  onEvent?: EventSink
  /** Sessions ended by back-channel logout, refused on load (C-15). */
  denylist?: SessionDenylist
}

/**
 * Stateless sessions: the whole session, tokens included, sealed with AES-256-GCM into the
 * cookie (C-09), chunked as `<name>.0`, `<name>.1`, ... when it outgrows one cookie (C-10).
 *
 * Nothing is kept on the server, so a session cannot be revoked by deleting it: a copy of
 * the cookie stays valid until `expiresAt` unless the `denylist` names it (C-15).
 * Prefer server-side sessions; they also keep request headers small.
 *
 * @see https://datatracker.ietf.org/doc/html/draft-ietf-oauth-browser-based-apps#section-6.1.3.2
 */
export function createCookieSessions(options: CookieSessionsOptions): SessionPersistence {
  const { sealer, cookie } = options
  const now = options.now ?? Date.now
  const replayCache = options.replayCache ?? createMemoryStore({ now })
  const attributes = sessionCookieAttributes(cookie)
  const refreshed = createRecentSessions(now)
  const callStore = createStoreCaller(options.onEvent)

  async function load(jar: CookieJar): Promise<{ session: Session; renew: boolean } | undefined> {
    const sealed = joinCookies(jar, cookie.name)
    if (sealed === undefined) return undefined
    // The cookie name is the sealing context: a login-transaction cookie or any other value
    // sealed with the same keys cannot be passed off as a session.
    const opened = await sealer.openJson(sealed, cookie.name)
    if (!opened || !isSession(opened.value) || !isLive(opened.value, now())) return undefined
    if (options.denylist?.has(opened.value) || refreshed.ended(opened.value.id)) return undefined
    // A request still carrying the cookie from before a refresh gets the refreshed session,
    // never a second refresh with the consumed refresh token.
    const newer = refreshed.newerThan(opened.value)
    if (newer) return { session: newer, renew: true }
    return { session: opened.value, renew: opened.rotated }
  }

  async function save(session: Session, jar: CookieJar): Promise<void> {
    // load() refuses any other id shape, so such a session would be lost without a trace.
    if (!isSessionId(session.id)) {
      throw new TypeError('session.id must be a 22-character base64url id from randomId()')
    }
    const seconds = remainingSeconds(session, now())
    if (seconds <= 0) return destroy(session, jar)
    const cookies = splitIntoCookies(cookie.name, await sealer.sealJson(session, cookie.name))
    // A stale chunk left behind would be joined to the new ones and break the seal, or
    // (when switching to one cookie) linger beside it: expire it in this same response.
    const written = new Set(cookies.map(([name]) => name))
    for (const name of familyCookieNames(jar, cookie.name)) {
      if (!written.has(name)) jar.expire(name, attributes)
    }
    const maxAge = cookieMaxAge(seconds)
    for (const [name, value] of cookies) jar.set(name, value, { ...attributes, maxAge })
  }

  async function destroy(session: Session | undefined, jar: CookieJar): Promise<void> {
    if (session) refreshed.forget(session)
    for (const name of new Set([cookie.name, ...familyCookieNames(jar, cookie.name)])) {
      jar.expire(name, attributes)
    }
  }

  return {
    load,
    save,
    destroy,
    async replace(next, expectedVersion) {
      if (refreshed.ended(next.id)) return false
      const known = refreshed.get(next.id)
      if (known && known.version > expectedVersion) return false
      if (next.version > expectedVersion) refreshed.remember(next)
      return true
    },
    async reload(session) {
      return refreshed.newerThan(session) ?? session
    },
    adopt: save,
    lock: (key, leaseMs) => callStore(() => replayCache.lock(key, leaseMs)),
    seenOnce: (key, ttlSeconds) => callStore(() => replayCache.seenOnce(key, ttlSeconds)),
    close: () => replayCache.close(),
  }
}
