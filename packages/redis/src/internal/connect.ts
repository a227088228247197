import { Cluster, Redis, type ClusterNode, type ClusterOptions, type RedisOptions } from 'ioredis'
import { ConfigError } from '@coatcheck/core'

/**
 * Where Redis is: a `redis://` / `rediss://` URL, ioredis options (with `sentinels` and
 * `name` for Sentinel), Cluster start-up nodes with their options, or a client you made.
 */
export type RedisConnection =
  | string
  | RedisOptions
  | { nodes: readonly ClusterNode[]; options?: ClusterOptions }
  | Redis
  | Cluster

/** Which Redis deployment; inferred from `redis` when not given. */
export type RedisMode = 'standalone' | 'sentinel' | 'cluster'

/** A connected client, and whether the store made it (and so closes it). */
export interface Connection {
  client: Redis | Cluster
  owned: boolean
}

/**
 * Creates (or adopts) the client and waits until it is ready.
 *
 * The clients it creates fail fast while Redis is unreachable: no offline queue (a call
 * made while disconnected rejects at once instead of waiting for a reconnect),
 * `commandTimeout` for a connection that hangs without closing, and no automatic resend of
 * commands in flight when the connection dropped (a resent compare-and-set that had in fact
 * succeeded would report a loss). ioredis keeps reconnecting in the background.
 *
 * @throws ConfigError when the options contradict `mode` or Redis stays unreachable.
 */
export async function connect(
  redis: RedisConnection,
  mode: RedisMode | undefined,
  timeouts: { commandTimeoutMs: number; connectTimeoutMs: number },
): Promise<Connection> {
  const failFast = {
    // Commands issued in one turn of the event loop (the session reads of that turn's API
    // calls) go out as one pipeline: one write and one read each way instead of one per call.
    enableAutoPipelining: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    autoResendUnfulfilledCommands: false,
    commandTimeout: timeouts.commandTimeoutMs,
    connectTimeout: timeouts.connectTimeoutMs,
  }
  const actual = inferMode(redis)
  if (mode !== undefined && mode !== actual) {
    throw modeError(mode, actual)
  }
  let connection: Connection
  if (redis instanceof Redis || redis instanceof Cluster) {
    connection = { client: redis, owned: false }
  } else if (typeof redis === 'string') {
    connection = { client: new Redis(redis, failFast), owned: true }
  } else if ('nodes' in redis) {
    const { enableOfflineQueue, enableAutoPipelining, ...perNode } = failFast
    const options: ClusterOptions = {
      ...redis.options,
      enableOfflineQueue,
      enableAutoPipelining,
      redisOptions: { ...redis.options?.redisOptions, ...perNode },
    }
    connection = { client: new Cluster([...redis.nodes], options), owned: true }
  } else {
    connection = { client: new Redis({ ...redis, ...failFast }), owned: true }
  }
  // Without a listener ioredis prints every failed reconnect; callers see the errors anyway.
  if (connection.owned) connection.client.on('error', () => {})
  try {
    await waitUntilReady(connection.client, timeouts.connectTimeoutMs)
  } catch (error) {
    if (connection.owned) connection.client.disconnect()
    const reason = error instanceof Error ? error.message : String(error)
    const issue = {
      path: 'redis',
      message: `could not reach Redis (${describe(redis)}) within ${timeouts.connectTimeoutMs} ms: ${reason}; check the address and credentials in \`redis\` and that Redis is running`,
    }
    throw Object.assign(new ConfigError([issue]), { cause: error })
  }
  return connection
}

function inferMode(redis: RedisConnection): RedisMode {
  if (redis instanceof Cluster || (typeof redis === 'object' && 'nodes' in redis)) return 'cluster'
  if (redis instanceof Redis) return redis.options.sentinels ? 'sentinel' : 'standalone'
  if (typeof redis === 'object' && redis.sentinels) return 'sentinel'
  return 'standalone'
}

function modeError(mode: RedisMode, actual: RedisMode): ConfigError {
  const needs: Record<RedisMode, string> = {
    standalone: 'a URL or ioredis options without `sentinels`',
    sentinel: 'ioredis options with `sentinels` and `name`',
    cluster: '`{ nodes, options }` or an ioredis Cluster',
  }
  return new ConfigError([
    {
      path: 'redis',
      message: `\`mode\` is '${mode}', which needs ${needs[mode]}; \`redis\` describes a ${actual} deployment`,
    },
  ])
}

/** Where the client points, for messages: never with the password of a URL. */
function describe(redis: RedisConnection): string {
  if (typeof redis === 'string') {
    try {
      const url = new URL(redis)
      return `${url.protocol}//${url.host}`
    } catch {
      return 'an unparsable URL'
    }
  }
  if (redis instanceof Cluster || 'nodes' in redis) return 'cluster'
  const options = redis instanceof Redis ? redis.options : redis
  if (options.sentinels) return `sentinel master '${options.name ?? ''}'`
  return `${options.host ?? '127.0.0.1'}:${options.port ?? 6379}`
}

async function waitUntilReady(client: Redis | Cluster, timeoutMs: number): Promise<void> {
  if (client.status === 'ready') return
  // A client made with `lazyConnect`; its failures arrive as 'error' events too.
  if (client.status === 'wait') client.connect().catch(() => {})
  await new Promise<void>((resolve, reject) => {
    let lastError: unknown
    const onError = (error: unknown) => {
      lastError = error
    }
    const done = (error?: unknown) => {
      clearTimeout(timer)
      client.off('ready', onReady)
      client.off('error', onError)
      if (error === undefined) resolve()
      else reject(error instanceof Error ? error : new Error(String(error)))
    }
    const onReady = () => done()
    const timer = setTimeout(() => done(lastError ?? new Error('timed out')), timeoutMs)
    client.once('ready', onReady)
    client.on('error', onError)
  })
}
