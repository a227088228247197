import { randomBytes, randomUUID } from 'node:crypto'
import { Redis } from 'ioredis'

/** The Redis the tests use for real (CI runs one on 127.0.0.1:6379). */
export const REDIS_URL = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379'

/** Sealing keys for a test run. */
export const TEST_KEYS = [randomBytes(32).toString('base64url')]

/** A key prefix unique to this test file's run; every key the tests write starts with it. */
export function runPrefix(): string {
  return `coatcheck-test:${randomUUID()}:`
}

/** Every key and its value under `prefix`, as `redis-cli --scan` plus a read of each. */
export async function dumpKeys(prefix: string): Promise<Map<string, string>> {
  const redis = new Redis(REDIS_URL)
  try {
    const dump = new Map<string, string>()
    for await (const batch of redis.scanStream({ match: `${prefix}*`, count: 500 })) {
      for (const key of batch as string[]) dump.set(key, await readValue(redis, key))
    }
    return dump
  } finally {
    redis.disconnect()
  }
}

async function readValue(redis: Redis, key: string): Promise<string> {
  switch (await redis.type(key)) {
    case 'string':
      return (await redis.get(key)) ?? ''
    case 'hash':
      return JSON.stringify(await redis.hgetall(key))
    case 'zset':
      return JSON.stringify(await redis.zrange(key, 0, -1, 'WITHSCORES'))
    default:
      return ''
  }
}

/** Deletes every key under `prefix` (never FLUSHALL: the server is shared). */
export async function deleteKeys(prefix: string): Promise<void> {
  const redis = new Redis(REDIS_URL)
  try {
    for await (const batch of redis.scanStream({ match: `${prefix}*`, count: 500 })) {
      if ((batch as string[]).length > 0) await redis.unlink(...(batch as string[]))
    }
  } finally {
    redis.disconnect()
  }
}
