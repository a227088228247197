import type { SessionEndReason } from '../events/coatcheck-event.ts'
import type { SessionEndedListener, SessionStore } from './session-store.ts'

/**
 * Tells every part of Coatcheck that sessions ended, on this instance and, when the store is
 * shared, on every other one: open `/events` streams of those sessions then say
 * `session-ended` and close.
 */
export interface SessionEndedBus {
  /** Announces the end of these sessions. Never rejects: a lost notice is not a lost logout. */
  publish(sessionIds: readonly string[], reason: SessionEndReason): Promise<void>
  /** Calls `listener` for every announcement; returns the function that removes it. */
  subscribe(listener: SessionEndedListener): () => void
  /** Removes every listener. */
  close(): void
}

/**
 * Creates the bus: through the store's pub/sub when it offers one
 * (`publishSessionEnded` / `onSessionEnded`, e.g. Redis), in this process otherwise.
 * When the store cannot publish (it is down), this instance is still told.
 */
export function createSessionEndedBus(store?: SessionStore): SessionEndedBus {
  const listeners = new Set<SessionEndedListener>()
  const deliver: SessionEndedListener = (ids, reason) => {
    for (const listener of listeners) {
      try {
        listener([...ids], reason)
      } catch {
        // One faulty listener must neither stop the others nor fail the logout.
      }
    }
  }
  const shared =
    store?.publishSessionEnded && store.onSessionEnded
      ? {
          publish: store.publishSessionEnded.bind(store),
          unsubscribe: store.onSessionEnded(deliver),
        }
      : undefined

  return {
    async publish(sessionIds, reason) {
      if (sessionIds.length === 0) return
      if (!shared) return deliver([...sessionIds], reason)
      try {
        await shared.publish(sessionIds, reason)
      } catch {
        // The other instances learn on that session's next request, when the store has it no more.
        deliver([...sessionIds], reason)
      }
    },
    subscribe(listener) {
      listeners.add(listener)
      return () => {
        listeners.delete(listener)
      }
    },
    close() {
      listeners.clear()
      shared?.unsubscribe()
    },
  }
}
