import { Cluster, type Redis } from 'ioredis'
import type { Sealer, SessionEndReason, SessionEndedListener } from '@coatcheck/core'

/** Context the messages are sealed under: they open as nothing else. */
const CONTEXT = 'coatcheck/redis/session-ended'

/** Every reason a message may carry; anything else is not a message of ours. */
const REASONS: ReadonlySet<string> = new Set<SessionEndReason>([
  'logout',
  'backchannel_logout',
  'refresh_failed',
  'expired',
  'ended_by_user',
  'ended_by_operator',
])

/** Pub/sub of ended sessions between instances. */
export interface SessionEvents {
  publish(sessionIds: readonly string[], reason: SessionEndReason): Promise<void>
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
    const opened = await sealer.openJson<{ ids?: unknown; reason?: unknown }>(message, CONTEXT)
    const { ids, reason } = opened?.value ?? {}
    if (!Array.isArray(ids) || !ids.every((id) => typeof id === 'string')) return
    if (typeof reason !== 'string' || !REASONS.has(reason)) return
    for (const listener of listeners) {
      try {
        listener([...ids], reason as SessionEndReason)
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
    async publish(sessionIds, reason) {
      if (sessionIds.length === 0) return
      await client.publish(channel, await sealer.sealJson({ ids: sessionIds, reason }, CONTEXT))
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
