import { createMemoryStore, type CoatcheckConfig, type SessionStore } from '@coatcheck/core'
import { createRedisStore, type RedisStoreOptions } from '@coatcheck/redis'
import { createSqliteStore } from '@coatcheck/sqlite'
import { nodeAesGcm } from './node-aes-gcm.ts'

/**
 * Builds the session store `session.store` names: memory, or SQLite or Redis sealed with
 * the configuration's `keys` (so the gateway can count and probe it). `undefined` for
 * `cookie`: sessions live in the browser's cookies. The caller passes the store to `createCoatcheck` as `options.store`; closing
 * Coatcheck closes it.
 *
 * @throws ConfigError when the SQLite file cannot be opened or Redis cannot be reached.
 */
export async function createStoreFromConfig(
  config: CoatcheckConfig,
): Promise<SessionStore | undefined> {
  const { session, keys } = config
  switch (session.store) {
    case 'memory':
      return createMemoryStore()
    case 'cookie':
      return undefined
    case 'sqlite':
      return createSqliteStore({ path: session.sqlite.path, keys, aesGcm: nodeAesGcm })
    case 'redis': {
      const redis = session.redis
      // parseConfig refuses `store: redis` without `session.redis`.
      if (!redis) throw new TypeError('session.redis is required for the Redis store')
      return createRedisStore({
        redis: toRedisConnection(redis),
        mode: redis.mode,
        keys,
        aesGcm: nodeAesGcm,
        keyPrefix: redis.keyPrefix,
        commandTimeoutMs: redis.commandTimeoutMs,
        cacheSessions: redis.cacheSessions,
      })
    }
  }
}

type RedisConfig = NonNullable<CoatcheckConfig['session']['redis']>

function toRedisConnection(redis: RedisConfig): RedisStoreOptions['redis'] {
  if (redis.mode === 'standalone') return redis.url ?? ''
  const nodes = (redis.nodes ?? []).map(toHostPort)
  const credentials = {
    ...(redis.username === undefined ? {} : { username: redis.username }),
    ...(redis.password === undefined ? {} : { password: redis.password }),
    ...(redis.tls ? { tls: {} } : {}),
  }
  if (redis.mode === 'sentinel') {
    const sentinelTls = redis.tls ? { sentinelTLS: {}, enableTLSForSentinelMode: true } : {}
    return { sentinels: nodes, name: redis.name ?? '', ...credentials, ...sentinelTls }
  }
  return { nodes, options: { redisOptions: credentials } }
}

function toHostPort(node: string): { host: string; port: number } {
  const at = node.lastIndexOf(':')
  return { host: node.slice(0, at), port: Number(node.slice(at + 1)) }
}
