import { randomId } from '../crypto/random-id.ts'
import { createMemoryStoreIndex } from './memory-store-index.ts'
import { deepFreeze } from '../internal/deep-freeze.ts'
import type { Session } from './session.ts'
import type { SessionStore, StoreLock } from './session-store.ts'

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
 * back cannot change what the store holds. Every method does its work before its first
 * `await`, so each call is atomic with respect to the others.
 */
export function createMemoryStore(options: MemoryStoreOptions = {}): SessionStore {
  const now = options.now ?? Date.now
  const sessions = new Map<string, { session: Session; expiresAt: number }>()
  const index = createMemoryStoreIndex()
  /** Replay-cache keys and when each stops counting as seen; apart from session ids. */
  const seen = new Map<string, number>()
  /** Lock keys, their holder's token and when the lease ends; apart from the rest too. */
  const locks = new Map<string, { token: string; expiresAt: number }>()

  /** The live entry of `id`; an expired one is removed here, indexes included. */
  const liveEntry = (id: string) => {
    const entry = sessions.get(id)
    if (entry && entry.expiresAt <= now()) {
      remove(id)
      return undefined
    }
    return entry
  }
  const remove = (id: string) => {
    const entry = sessions.get(id)
    if (!entry) return false
    sessions.delete(id)
    index.remove(entry.session)
    return true
  }
  const write = (session: Session, ttlSeconds: number) => {
    remove(session.id)
    // Copied once and frozen, so reads can hand out the stored object itself: the proxy
    // reads a session on every call, and a copy per read cost a tenth of its CPU.
    const copy = deepFreeze(structuredClone(session))
    sessions.set(copy.id, { session: copy, expiresAt: now() + ttlSeconds * 1000 })
    index.add(copy)
  }
  const sweep = () => {
    const time = now()
    for (const [id, entry] of sessions) if (entry.expiresAt <= time) remove(id)
    for (const [key, expiresAt] of seen) if (expiresAt <= time) seen.delete(key)
    for (const [key, lease] of locks) if (lease.expiresAt <= time) locks.delete(key)
  }
  const timer = setInterval(sweep, SWEEP_INTERVAL_MS)
  // The sweep must not keep a Node process alive; `unref` is absent from the DOM typing.
  ;(timer as unknown as { unref?: () => void }).unref?.()

  return {
    async get(id) {
      const entry = liveEntry(id)
      return entry?.session
    },

    async set(session, ttlSeconds) {
      checkPositive('ttlSeconds', ttlSeconds)
      write(session, ttlSeconds)
    },

    async update(session, expectedVersion, ttlSeconds) {
      checkPositive('ttlSeconds', ttlSeconds)
      const entry = liveEntry(session.id)
      if (!entry || entry.session.version !== expectedVersion) return false
      write(session, ttlSeconds)
      return true
    },

    async delete(id) {
      remove(id)
    },

    async deleteBy(filter) {
      const ids =
        'sid' in filter
          ? index.bySid(filter.issuer, filter.sid)
          : index.bySub(filter.issuer, filter.sub)
      // An expired session was already gone for everyone else: not reported as removed.
      return ids.filter((id) => liveEntry(id) !== undefined && remove(id))
    },

    async listBy({ issuer, sub }) {
      const live: Session[] = []
      for (const id of index.bySub(issuer, sub)) {
        const entry = liveEntry(id)
        if (entry) live.push(entry.session)
      }
      return live
    },

    async count() {
      let live = 0
      for (const id of sessions.keys()) if (liveEntry(id)) live++
      return live
    },

    async lock(key, leaseMs) {
      checkPositive('leaseMs', leaseMs)
      const time = now()
      const held = locks.get(key)
      if (held && held.expiresAt > time) return undefined
      // A random token per taking: a holder whose lease ran out and was taken over must not
      // free the new holder's lease when it finally calls release.
      const token = randomId()
      locks.set(key, { token, expiresAt: time + leaseMs })
      const lock: StoreLock = {
        async release() {
          if (locks.get(key)?.token === token) locks.delete(key)
        },
      }
      return lock
    },

    async seenOnce(key, ttlSeconds) {
      checkPositive('ttlSeconds', ttlSeconds)
      const time = now()
      const expiresAt = seen.get(key)
      if (expiresAt !== undefined && expiresAt > time) return false
      seen.set(key, time + ttlSeconds * 1000)
      return true
    },

    async close() {
      clearInterval(timer)
      sessions.clear()
      index.clear()
      seen.clear()
      locks.clear()
    },
  }
}

function checkPositive(name: string, value: number): void {
  if (!Number.isFinite(value) || value <= 0) {
    throw new TypeError(`${name} must be a positive number`)
  }
}
