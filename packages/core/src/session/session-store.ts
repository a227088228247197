import type { SessionEndReason } from '../events/coatcheck-event.ts'
import type { Session } from './session.ts'

/**
 * Where server-side sessions live; the cookie only carries the random session id.
 * Implementations: memory (here), SQLite (`@coatcheck/sqlite`), Redis (`@coatcheck/redis`).
 * Every implementation passes the shared conformance suite (`@coatcheck/core/testing`).
 *
 * Sessions carry a `version` that every write of new tokens increments: `update` is a
 * compare-and-set on it, which is also the fencing that stops a stalled refresher from
 * overwriting a newer token set.
 */
export interface SessionStore {
  /** The session with this id, or `undefined` when unknown or expired. */
  get(id: string): Promise<Session | undefined>
  /** Creates or replaces the session; it expires by itself after `ttlSeconds`. */
  set(session: Session, ttlSeconds: number): Promise<void>
  /**
   * Atomically replaces the session when its stored `version` still equals
   * `expectedVersion`; returns `false` (and writes nothing) when it changed or the session
   * is gone. `ttlSeconds` as in `set`.
   */
  update(session: Session, expectedVersion: number, ttlSeconds: number): Promise<boolean>
  /** Removes the session; removing an unknown id is not an error. */
  delete(id: string): Promise<void>
  /**
   * Removes every session of the issuer with this `sid`, or every session of this `sub`
   * (back-channel logout, O-16). Returns the ids removed.
   */
  deleteBy(filter: SessionFilter): Promise<string[]>
  /** Every live session of this user at this issuer (session control). */
  listBy(filter: { issuer: string; sub: string }): Promise<Session[]>
  /**
   * Optional: how many live (unexpired) sessions the store holds now, whichever instance
   * wrote them. Read at every metrics scrape (`coatcheck_sessions_active`), so it must not
   * scan every key; a store that cannot count cheaply leaves it out and the gauge is absent.
   * Only this store's sessions count: never another key prefix or database.
   */
  count?(): Promise<number>
  /**
   * Tries once to take an exclusive lease on `key` for `leaseMs`; `undefined` when someone
   * else holds it. A holder that crashes loses the lease when it expires.
   */
  lock(key: string, leaseMs: number): Promise<StoreLock | undefined>
  /**
   * Replay cache: `true` the first time `key` is seen within `ttlSeconds`, `false` after.
   * Makes login transactions and logout tokens single-use (L-06, O-13).
   */
  seenOnce(key: string, ttlSeconds: number): Promise<boolean>
  /** Releases timers and connections. */
  close(): Promise<void>
  /**
   * Optional, for stores shared by several instances: tells every instance (this one
   * included) that these sessions ended, so each can close its `/events` streams of them.
   * A store without it is served by an in-process notification, enough for one instance.
   * Implement both or neither of `publishSessionEnded` and `onSessionEnded`.
   */
  publishSessionEnded?(sessionIds: readonly string[], reason: SessionEndReason): Promise<void>
  /**
   * Optional: calls `listener` for every {@link SessionStore.publishSessionEnded} of any
   * instance; returns the function that removes it. Delivery may be at most once.
   */
  onSessionEnded?(listener: SessionEndedListener): () => void
}

/** Receives the ids of sessions that ended, and why. */
export type SessionEndedListener = (sessionIds: string[], reason: SessionEndReason) => void

/** Which sessions `deleteBy` removes: by OP session id, or all of a user's. */
export type SessionFilter = { issuer: string; sid: string } | { issuer: string; sub: string }

/** A held lease from {@link SessionStore.lock}. */
export interface StoreLock {
  /** Releases the lease if this holder still has it; never releases someone else's. */
  release(): Promise<void>
}
