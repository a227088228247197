import { randomBytes } from 'node:crypto'
import {
  createSealer,
  type AesGcm,
  type Session,
  type SessionEndReason,
  type SessionEndedListener,
  type SessionStore,
} from '@coatcheck/core'
import { Cluster } from 'ioredis'
import { connect, type RedisConnection, type RedisMode } from './internal/connect.ts'
import { createKeyLayout, digest, pairDigest } from './internal/key-layout.ts'
import { createNearCache } from './internal/near-cache.ts'
import {
  ADD_TO_INDEX,
  COUNT_LIVE,
  DELETE_SESSION,
  DELETE_SESSION_IF_INDEXED,
  READ_INDEX,
  RELEASE_LOCK,
  WRITE_SESSION,
  runScript,
} from './internal/scripts.ts'
import { reconnectOnTimeout } from './internal/reconnect-on-timeout.ts'
import { createSessionEvents } from './internal/session-events.ts'

/** Options of {@link createRedisStore}. */
export interface RedisStoreOptions {
  /** Where Redis is: URL, ioredis options (Sentinel too), `{ nodes, options }` for Cluster, or a client. */
  redis: RedisConnection
  /** Checked against `redis` when given: a mismatch is a start-up error. */
  mode?: RedisMode
  /** Sealing keys (base64url, ≥ 32 bytes, newest first), as in the config's `keys`. */
  keys: readonly string[]
  /**
   * The AES-256-GCM that seals each session. Default: WebCrypto's; pass `nodeAesGcm` from
   * `@coatcheck/server` (as `coatcheck start` does) to spend several times less CPU per read.
   */
  aesGcm?: AesGcm
  /** Prefix of every key and channel. Default `coatcheck:`. */
  keyPrefix?: string
  /** A call fails after this long without a reply. Default 1000 ms. */
  commandTimeoutMs?: number
  /** How long start-up waits for Redis. Default 10000 ms. */
  connectTimeoutMs?: number
  /**
   * Hold the sessions this process reads, kept exact by Redis's invalidation messages
   * (client-side caching, Redis 6 or newer), so that most API calls need no round trip.
   * Default `true`; Cluster clients never hold sessions. See the package README.
   */
  cacheSessions?: boolean
}

/** A {@link SessionStore} on Redis, plus pub/sub of ended sessions between instances. */
export interface RedisSessionStore extends SessionStore {
  /** Tells every instance (this one included) that these sessions ended, and why. */
  publishSessionEnded(sessionIds: readonly string[], reason: SessionEndReason): Promise<void>
  /**
   * Calls `listener` with the ids of sessions that ended on any instance; returns the
   * function that removes it. Delivery is at most once: see the package README.
   */
  onSessionEnded(listener: SessionEndedListener): () => void
}

type IndexDigests = [sid: string, sub: string]

/**
 * A {@link SessionStore} on Redis (standalone, Sentinel or Cluster) for many instances.
 * Sessions are sealed with the configured keys and stored under the hash of their id, so a
 * dump reveals no token and no usable session cookie. TTLs and leases run on Redis's clock.
 *
 * Every script touches a single key, so each is atomic on any Cluster shard. The indexes
 * (sorted sets per `(issuer, sid)` and `(issuer, sub)`) stay right across keys by order
 * and by checking: a session is added to its indexes before it is written, so
 * `deleteBy` can always find it; readers only trust an entry whose session still names
 * that index; entries drop out when their score (the session's expiry) passes. `count` reads
 * one more sorted set, of every live session, kept the same way (see the package README).
 *
 * While Redis is unreachable every call rejects within `commandTimeoutMs`; ioredis
 * reconnects in the background and calls succeed again without a new store.
 *
 * @throws ConfigError when Redis is unreachable at start-up or the options contradict.
 */
export async function createRedisStore(options: RedisStoreOptions): Promise<RedisSessionStore> {
  const { keyPrefix = 'coatcheck:', commandTimeoutMs = 1000, connectTimeoutMs = 10_000 } = options
  checkPositive('commandTimeoutMs', commandTimeoutMs)
  checkPositive('connectTimeoutMs', connectTimeoutMs)
  const sealer = await createSealer(options.keys, options.aesGcm ? { aesGcm: options.aesGcm } : {})
  const { client, owned } = await connect(options.redis, options.mode, {
    commandTimeoutMs,
    connectTimeoutMs,
  })
  const keys = createKeyLayout(keyPrefix)
  const held =
    options.cacheSessions !== false && !(client instanceof Cluster)
      ? createNearCache(client, {
          prefix: keys.session(''),
          timeoutMs: commandTimeoutMs,
          heartbeatMs: HEARTBEAT_MS,
        })
      : undefined
  const events = createSessionEvents(client, keys.sessionEnded, sealer)
  const script = (
    lua: Parameters<typeof runScript>[1],
    key: string,
    ...args: (string | number)[]
  ) => runScript(client, lua, [key], args)

  // The context binds a sealed value to its key: copied under another key, it won't open.
  const context = (idDigest: string) => `coatcheck/redis/session/${idDigest}`
  const open = async (idDigest: string, data: string) =>
    (await sealer.openJson<Session>(data, context(idDigest)))?.value
  /**
   * Settles as `write` does, then drops any held copy of `key`: a read that was on its way
   * (or came back) while this process wrote must not outlive the write here.
   */
  const afterwardsForget = <T>(key: string, write: Promise<T>) =>
    held ? write.finally(() => held.forget(key)) : write
  /** The session and when Redis expires it (ms, this process's clock, never later). */
  const readSession = async (idDigest: string) => {
    const key = keys.session(idDigest)
    const sentAt = Date.now()
    const [data, ttlMs] = await Promise.all([client.hget(key, 'data'), client.pttl(key)])
    const session = data === null ? undefined : await open(idDigest, data)
    return session && ttlMs > 0 ? { session, expiresAt: sentAt + ttlMs } : undefined
  }
  const unindex = async (idDigest: string, [sid, sub]: IndexDigests, keep?: IndexDigests) => {
    await Promise.all([
      sid && sid !== keep?.[0] ? client.zrem(keys.sidIndex(sid), idDigest) : undefined,
      sub && sub !== keep?.[1] ? client.zrem(keys.subIndex(sub), idDigest) : undefined,
    ])
  }
  /** After a session hash was deleted: its index entries and its place in the live set. */
  const forget = async (idDigest: string, indexes: IndexDigests) => {
    await Promise.all([unindex(idDigest, indexes), client.zrem(keys.live, idDigest)])
  }

  const write = async (session: Session, ttlSeconds: number, expectedVersion?: number) => {
    checkPositive('ttlSeconds', ttlSeconds)
    const ttlMs = Math.ceil(ttlSeconds * 1000)
    const idDigest = digest(session.id)
    const indexes: IndexDigests = [
      session.sid === undefined ? '' : pairDigest('sid', session.issuer, session.sid),
      pairDigest('sub', session.issuer, session.sub),
    ]
    const data = await sealer.sealJson(session, context(idDigest))
    const mode = expectedVersion === undefined ? 'set' : 'update'
    // Indexed before written: a session that deleteBy cannot find would outlive a
    // back-channel logout. An entry whose write then fails is skipped and expires. The live
    // set goes in the same round trip; an update only renews a member that is there, so an
    // update racing a logout cannot count the deleted session again.
    await Promise.all([
      indexes[0] && script(ADD_TO_INDEX, keys.sidIndex(indexes[0]), idDigest, ttlMs, 'GT'),
      script(ADD_TO_INDEX, keys.subIndex(indexes[1]), idDigest, ttlMs, 'GT'),
      script(ADD_TO_INDEX, keys.live, idDigest, ttlMs, mode === 'set' ? 'LATEST' : 'XX'),
    ])
    const args = [mode, expectedVersion ?? 0, session.version, data, ...indexes, ttlMs]
    const key = keys.session(idDigest)
    const previous = (await afterwardsForget(
      key,
      script(WRITE_SESSION, key, ...args),
    )) as IndexDigests | null
    if (previous === null) return false
    // Entries under a sid or sub the session no longer has; readers skip them meanwhile.
    await unindex(idDigest, previous, indexes)
    return true
  }

  const store: RedisSessionStore = {
    async get(id) {
      const idDigest = digest(id)
      if (held) {
        const key = keys.session(idDigest)
        return held.get(key, Date.now()) ?? (await held.read(key, () => readSession(idDigest)))
      }
      const data = await client.hget(keys.session(idDigest), 'data')
      // Awaited, not returned: a returned promise costs two more microtask turns per call.
      return data === null ? undefined : await open(idDigest, data)
    },
    async set(session, ttlSeconds) {
      await write(session, ttlSeconds)
    },
    update: (session, expectedVersion, ttlSeconds) => write(session, ttlSeconds, expectedVersion),
    async delete(id) {
      const idDigest = digest(id)
      const key = keys.session(idDigest)
      const indexes = (await afterwardsForget(
        key,
        script(DELETE_SESSION, key),
      )) as IndexDigests | null
      if (indexes) await forget(idDigest, indexes)
    },
    async deleteBy(filter) {
      const bySid = 'sid' in filter
      const pair = bySid
        ? pairDigest('sid', filter.issuer, filter.sid)
        : pairDigest('sub', filter.issuer, filter.sub)
      const index = bySid ? keys.sidIndex(pair) : keys.subIndex(pair)
      const members = (await script(READ_INDEX, index)) as string[]
      const field = bySid ? 'sidIndex' : 'subIndex'
      const removed = await Promise.all(
        members.map(async (idDigest) => {
          const key = keys.session(idDigest)
          const result = (await afterwardsForget(
            key,
            script(DELETE_SESSION_IF_INDEXED, key, field, pair),
          )) as [string, ...IndexDigests] | null
          if (result === null) return undefined
          const [data, ...indexes] = result
          await forget(idDigest, indexes)
          // Deleted whatever happens; a session sealed with a retired key cannot name its id.
          return (await open(idDigest, data))?.id
        }),
      )
      return removed.filter((id) => id !== undefined)
    },
    async listBy({ issuer, sub }) {
      const pair = pairDigest('sub', issuer, sub)
      const members = (await script(READ_INDEX, keys.subIndex(pair))) as string[]
      const sessions = await Promise.all(
        members.map(async (idDigest) => {
          const [indexed, data] = await client.hmget(keys.session(idDigest), 'subIndex', 'data')
          return indexed === pair && data ? open(idDigest, data) : undefined
        }),
      )
      return sessions.filter((session) => session !== undefined)
    },
    async count() {
      return (await script(COUNT_LIVE, keys.live)) as number
    },
    async lock(key, leaseMs) {
      checkPositive('leaseMs', leaseMs)
      // A random token per taking: a holder whose lease ran out and was taken over must not
      // free the new holder's lease when it finally calls release.
      const token = randomBytes(16).toString('base64url')
      const lockKey = keys.lock(key)
      const taken = await client.set(lockKey, token, 'PX', Math.ceil(leaseMs), 'NX')
      if (taken !== 'OK') return undefined
      // The previous holder's writes are in Redis: no held copy is answered until their
      // invalidations are surely here (one round trip; reads meanwhile go to Redis).
      void held?.sync()
      return {
        async release() {
          await script(RELEASE_LOCK, lockKey, token)
        },
      }
    },
    async seenOnce(key, ttlSeconds) {
      checkPositive('ttlSeconds', ttlSeconds)
      const ttlMs = Math.ceil(ttlSeconds * 1000)
      return (await client.set(keys.seen(key), '1', 'PX', ttlMs, 'NX')) === 'OK'
    },
    publishSessionEnded: (sessionIds, reason) => events.publish(sessionIds, reason),
    onSessionEnded: (listener) => events.subscribe(listener),
    async close() {
      events.close()
      held?.close()
      if (owned) await client.quit().catch(() => client.disconnect())
    },
  }
  // A client passed in keeps its owner's policy; ours reconnects after a timeout.
  return owned ? reconnectOnTimeout(store, client) : store
}

/** How often the invalidation connection is asked whether it still answers. */
const HEARTBEAT_MS = 1000

function checkPositive(name: string, value: number): void {
  if (!Number.isFinite(value) || value <= 0) {
    throw new TypeError(`${name} must be a positive number`)
  }
}
