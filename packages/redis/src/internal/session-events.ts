import { Cluster, type Redis } from 'ioredis'
import type { Sealer } from '@coatcheck/core'

/** Context the messages are sealed under: they open as nothing else. */
const CONTEXT = 'coatcheck/redis/session-ended'

/** Listener of {@link SessionEvents.subscribe}; called with the ids of ended sessions. */
export type SessionEndedListener = (sessionIds: string[]) => void

/** Pub/sub of ended sessions between instances. */
export interface SessionEvents {
  publish(sessionIds: readonly string[]): Promise<void>
  subscribe(listener: SessionEndedListener): () => void
  close(): void
}

/**
 * Session-ended messages on one channel. Messages are sealed, because session ids are the
 * cookie values and anyone able to SUBSCRIBE or MONITOR would read them. The subscriber is
 * a dedicated connection (a subscribed connection can run no other command), opened on
 * the first subscription; ioredis re-subscribes after each reconnect. Messages published
 * while a subscriber is disconnected are lost: that instance notices on the next request,
 * when the session is no longer in the store.
 */
export function createSessionEvents(
  client: Redis | Cluster,
  channel: string,
  sealer: Sealer,
): SessionEvents {
  const listeners = new Set<SessionEndedListener>()
  let subscriber: Redis | Cluster | undefined

  const deliver = async (message: string) => {
    const opened = await sealer.openJson<unknown>(message, CONTEXT)
    const ids = opened?.value
    if (!Array.isArray(ids) || !ids.every((id) => typeof id === 'string')) return
    for (const listener of listeners) {
      try {
        listener([...ids])
      } catch {
        // One faulty listener must neither stop the others nor crash the process.
      }
    }
  }

  const startSubscriber = () => {
    // Unlike the command connection, this one may queue: SUBSCRIBE waits for Redis.
    const connection =
      client instanceof Cluster
        ? client.duplicate(undefined, { enableOfflineQueue: true })
        : client.duplicate({ enableOfflineQueue: true, commandTimeout: undefined })
    connection.on('error', () => {})
    connection.on('message', (from: string, message: string) => {
      if (from === channel) void deliver(message)
    })
    connection.subscribe(channel).catch(() => {})
    return connection
  }

  return {
    async publish(sessionIds) {
      if (sessionIds.length === 0) return
      await client.publish(channel, await sealer.sealJson(sessionIds, CONTEXT))
    },
    subscribe(listener) {
      listeners.add(listener)
      subscriber ??= startSubscriber()
      return () => {
        listeners.delete(listener)
      }
    },
    close() {
      listeners.clear()
      subscriber?.disconnect()
      subscriber = undefined
    },
  }
}
