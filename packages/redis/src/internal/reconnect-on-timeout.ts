import type { Cluster, Redis } from 'ioredis'
import type { SessionStore } from '@coatcheck/core'

/** The async store calls that talk to Redis. */
const CALLS = [
  'get',
  'set',
  'update',
  'delete',
  'deleteBy',
  'listBy',
  'count',
  'lock',
  'seenOnce',
] as const

/**
 * Wraps the store's calls so that a command timeout drops the connection (ioredis then
 * reconnects at once). After a timeout the connection is in an unknown state: a silent
 * network partition never answers, and without a new connection every later call would
 * wait out its own timeout behind the lost replies.
 */
export function reconnectOnTimeout<T extends SessionStore>(store: T, client: Redis | Cluster): T {
  const guarded = { ...store }
  for (const name of CALLS) {
    const call = store[name] as (...args: unknown[]) => Promise<unknown>
    ;(guarded as Record<string, unknown>)[name] = async (...args: unknown[]) => {
      try {
        return await call(...args)
      } catch (error) {
        if (error instanceof Error && error.message === 'Command timed out') {
          client.disconnect(true)
        }
        throw error
      }
    }
  }
  return guarded
}
