import type { Session } from './session.ts'
import type { SessionStore } from './session-store.ts'

/** Options of {@link createMemoryStore}. */
export interface MemoryStoreOptions {
  /** Epoch milliseconds; injected so tests control time. Defaults to `Date.now`. */
  now?: () => number
}

/** How often expired entries are removed; reads already hide them at once. */
const SWEEP_INTERVAL_MS = 60_000

/**
 * A {@link SessionStore} in this process's memory: for development, single-instance
 * deployments and tests. Sessions are lost on restart and not shared between instances.
 *
 * Stored sessions are deep copies, so a caller mutating an object it passed in or got
 * back cannot change what the store holds.
 */
export function createMemoryStore(options: MemoryStoreOptions = {}): SessionStore {
  const now = options.now ?? Date.now
  const sessions = new Map<string, { session: Session; expiresAt: number }>()
  /** Replay-cache keys and when each stops counting as seen; apart from session ids. */
  const seen = new Map<string, number>()

  const sweep = () => {
    const time = now()
    for (const [id, entry] of sessions) if (entry.expiresAt <= time) sessions.delete(id)
    for (const [key, expiresAt] of seen) if (expiresAt <= time) seen.delete(key)
  }
  const timer = setInterval(sweep, SWEEP_INTERVAL_MS)
  // The sweep must not keep a Node process alive; `unref` is absent from the DOM typing.
  ;(timer as unknown as { unref?: () => void }).unref?.()

  return {
    async get(id) {
      const entry = sessions.get(id)
      if (!entry) return undefined
      if (entry.expiresAt <= now()) {
        sessions.delete(id)
        return undefined
      }
      return structuredClone(entry.session)
    },

    async set(session, ttlSeconds) {
      checkTtl(ttlSeconds)
      sessions.set(session.id, {
        session: structuredClone(session),
        expiresAt: now() + ttlSeconds * 1000,
      })
    },

    async delete(id) {
      sessions.delete(id)
    },

    async seenOnce(key, ttlSeconds) {
      checkTtl(ttlSeconds)
      const time = now()
      const expiresAt = seen.get(key)
      if (expiresAt !== undefined && expiresAt > time) return false
      seen.set(key, time + ttlSeconds * 1000)
      return true
    },

    async close() {
      clearInterval(timer)
      sessions.clear()
      seen.clear()
    },
  }
}

function checkTtl(ttlSeconds: number): void {
  if (!Number.isFinite(ttlSeconds) || ttlSeconds <= 0) {
    throw new TypeError('ttlSeconds must be a positive number')
  }
}
