// Memory per idle session: the memory store's RSS per session at 10k and 100k sessions, and
// what one session costs in Redis (`MEMORY USAGE` of its key and of its index entries).
import { join } from 'node:path'
import { Redis } from 'ioredis'
import { startNodeChild } from './processes.ts'

/** RSS and heap per session at one session count. */
export interface MemoryPoint {
  sessions: number
  rssBytesPerSession: number
  heapBytesPerSession: number
}

interface Usage {
  rss: number
  heapUsed: number
}

/** Grows a memory store to each count in `counts` and reports the cost per session. */
export async function measureMemoryStore(counts: number[]): Promise<MemoryPoint[]> {
  const { child, ready } = await startNodeChild(
    join(import.meta.dirname, 'session-memory-child.ts'),
    {},
    ['--expose-gc'],
  )
  const base = ready as unknown as Usage
  const points: MemoryPoint[] = []
  for (const sessions of counts) {
    const grown = await child.request<Usage>({ type: 'grow', count: sessions }, 'grown')
    points.push({
      sessions,
      rssBytesPerSession: (grown.rss - base.rss) / sessions,
      heapBytesPerSession: (grown.heapUsed - base.heapUsed) / sessions,
    })
  }
  await child.stop()
  return points
}

/** Bytes Redis uses per session of a store under `keyPrefix`. */
export interface RedisSessionMemory {
  sessions: number
  /** `MEMORY USAGE` of a session key, averaged over the sessions. */
  sessionKeyBytes: number
  /** The `sid` and `sub` index keys (sorted sets; a user's `sub` index is shared), per session. */
  indexKeyBytes: number
}

/** `MEMORY USAGE` of the session and index keys under `keyPrefix`, per session. */
export async function measureRedisSession(keyPrefix: string): Promise<RedisSessionMemory> {
  const redis = new Redis('redis://127.0.0.1:6379', { lazyConnect: true })
  await redis.connect()
  try {
    const keys = await scanKeys(redis, keyPrefix)
    const usage = async (kind: string) => {
      const found = keys.filter((each) => each.startsWith(`${keyPrefix}${kind}:`))
      let bytes = 0
      for (const key of found) bytes += (await redis.memory('USAGE', key)) ?? 0
      return { count: found.length, bytes }
    }
    const sessions = await usage('s')
    const indexes = (await usage('sid')).bytes + (await usage('sub')).bytes
    const perSession = (bytes: number) => Math.round(bytes / Math.max(1, sessions.count))
    return {
      sessions: sessions.count,
      sessionKeyBytes: perSession(sessions.bytes),
      indexKeyBytes: perSession(indexes),
    }
  } finally {
    redis.disconnect()
  }
}

/** Deletes every key under `keyPrefix`. */
export async function deleteRedisKeys(keyPrefix: string): Promise<void> {
  const redis = new Redis('redis://127.0.0.1:6379', { lazyConnect: true })
  await redis.connect()
  try {
    const keys = await scanKeys(redis, keyPrefix)
    if (keys.length > 0) await redis.del(...keys)
  } finally {
    redis.disconnect()
  }
}

async function scanKeys(redis: Redis, keyPrefix: string): Promise<string[]> {
  const keys: string[] = []
  let cursor = '0'
  do {
    const [next, found] = await redis.scan(cursor, 'MATCH', `${keyPrefix}*`, 'COUNT', 1000)
    keys.push(...found)
    cursor = next
  } while (cursor !== '0')
  return keys
}
