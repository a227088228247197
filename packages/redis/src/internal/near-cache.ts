import { randomUUID } from 'node:crypto'
import type { Redis } from 'ioredis'
import type { Session } from '@coatcheck/core'

/** Bound on the sessions held; the ones read longest ago go first. */
const MAX_SESSIONS = 20_000
/** How long after a failed probe the invalidation connection is reopened to try again. */
const PROBE_RETRY_MS = 30_000
/** The channel Redis sends invalidations to in RESP2, on the redirect connection. */
const INVALIDATE = '__redis__:invalidate'

/** Sessions this process read from Redis, held while Redis would tell it of any change. */
export interface NearCache {
  /** The held session under `key` at `now` (ms), while the cache can vouch for it. */
  get(key: string, now: number): Session | undefined
  /**
   * Reads `key` through `fetch` and holds what it found until its `expiresAt` (ms), unless
   * the key changed, or the cache was reset, while the read was on its way.
   */
  read(
    key: string,
    fetch: () => Promise<{ session: Session; expiresAt: number } | undefined>,
  ): Promise<Session | undefined>
  /** Drops `key` before this process writes it: its next read goes to Redis. */
  forget(key: string): void
  /**
   * Answers nothing held until every invalidation that Redis sent before now has arrived
   * (reads meanwhile go to Redis); resolves then. After a lease is taken, the next read
   * thus sees whatever the lease's previous holder wrote, without waiting for it.
   */
  sync(): Promise<void>
  close(): void
}

interface Reading {
  /** The key changed (or was forgotten) after this read began. */
  spoiled: boolean
  readers: number
}

/**
 * Client-side caching on Redis's invalidation protocol (`CLIENT TRACKING … BCAST PREFIX`,
 * Redis 6 or newer), in RESP2's two-connection form: the command connection is tracked and
 * Redis sends the name of every changed or expired key under `prefix` to a second,
 * subscribed connection. The cache holds a session from its read until Redis says its key
 * changed, it expires, or the cache can no longer trust the invalidation stream; then it
 * reads from Redis again.
 *
 * Invalidations and replies arrive on different connections, in no order against each
 * other: a read whose key is invalidated (or forgotten) while the read is on its way is
 * returned but not held. Nothing is held, and nothing served, while either connection is
 * down, or while tracking is being set up again after a reconnect. A heartbeat (PING on the
 * subscribed connection every `heartbeatMs`) that gets no answer within `timeoutMs` forgets
 * everything and reconnects: that bounds how long a silent network partition can keep a
 * changed session in use to `heartbeatMs + timeoutMs`.
 */
export function createNearCache(
  client: Redis,
  options: { prefix: string; timeoutMs: number; heartbeatMs: number },
): NearCache {
  const { prefix, timeoutMs, heartbeatMs } = options
  const sessions = new Map<string, { session: Session; expiresAt: number }>()
  const readings = new Map<string, Reading>()
  /** Bumped on every reset: a read that began before one must not hold what it found. */
  let epoch = 0
  let tracking = false
  let closed = false
  /** Syncs under way: while any is, nothing held is answered. */
  let syncing = 0
  /** The key written to check that this connection's invalidations reach the subscriber. */
  let probe: { key: string; arrived: boolean } | undefined

  const reset = () => {
    tracking = false
    sessions.clear()
    for (const reading of readings.values()) reading.spoiled = true
    readings.clear()
    epoch++
  }
  const invalidate = (key: string) => {
    if (probe?.key === key) probe.arrived = true
    sessions.delete(key)
    const reading = readings.get(key)
    if (reading) {
      reading.spoiled = true
      readings.delete(key)
    }
  }

  const subscriber = client.duplicate({
    enableOfflineQueue: true,
    autoResubscribe: false,
    commandTimeout: timeoutMs,
    // Connected below, once its listeners are on.
    lazyConnect: true,
  })
  subscriber.on('error', () => {})
  subscriber.on('messageBuffer', (channel: Buffer, message: Buffer[] | Buffer | null) => {
    if (channel.toString() !== INVALIDATE) return
    // `null`: Redis flushed its keys or dropped the tracking table. Forget everything.
    if (!Array.isArray(message)) reset()
    else for (const key of message) invalidate(key.toString())
  })

  /**
   * PING on the subscribed connection: when it answers, every invalidation Redis sent it
   * before has arrived. Resets when it fails.
   */
  const heartbeat = async (): Promise<boolean> => {
    try {
      await subscriber.ping()
      return true
    } catch {
      reset()
      // A connection that does not answer within the timeout is dropped and reopened.
      if (!closed) subscriber.disconnect(true)
      return false
    }
  }

  let retry: NodeJS.Timeout | undefined
  /** The subscribed connection's client id, once it is subscribed; per connection. */
  let subscribedAs: number | undefined
  /** Tracking on for the connections as they are now; held sessions start afresh. */
  const setUp = async () => {
    reset()
    const attempt = epoch
    if (client.status !== 'ready' || subscriber.status !== 'ready') return
    if (subscribedAs === undefined) {
      const id = (await subscriber.client('ID')) as number
      await subscriber.subscribe(INVALIDATE)
      subscribedAs = id
    }
    await client.client('TRACKING', 'OFF')
    await client.client('TRACKING', 'ON', 'REDIRECT', subscribedAs, 'BCAST', 'PREFIX', prefix)
    // Proof that the two connections meet on one server (not so behind a proxy, or in the
    // middle of a Sentinel failover): a write on one is announced on the other.
    probe = { key: `${prefix}probe:${randomUUID()}`, arrived: false }
    await client.set(probe.key, '', 'PX', 1000)
    const answered = await heartbeat()
    // A connection dropped meanwhile reset the cache: the next `ready` starts again.
    if (closed || attempt !== epoch || !answered) return
    if (!probe.arrived) {
      // Reopened in a while, in case the subscriber still sits on a demoted master.
      retry ??= setTimeout(() => {
        retry = undefined
        if (!closed) subscriber.disconnect(true)
      }, PROBE_RETRY_MS).unref()
      return
    }
    epoch++
    tracking = true
  }
  let starting = false
  let again = false
  const start = async () => {
    if (starting) {
      again = true
      return
    }
    starting = true
    try {
      do {
        again = false
        // Redis before 6, or an ACL without CLIENT or SUBSCRIBE: the cache stays off and
        // every read goes to Redis. A reconnect tries again.
        await setUp().catch(reset)
      } while (again && !closed)
    } finally {
      starting = false
    }
  }
  const onReady = () => void start()
  client.on('ready', onReady)
  subscriber.on('ready', onReady)
  client.on('close', reset)
  subscriber.on('close', () => {
    subscribedAs = undefined
    reset()
  })
  subscriber.connect().catch(() => {})

  const timer = setInterval(() => {
    if (tracking) void heartbeat()
  }, heartbeatMs)
  timer.unref()

  return {
    get(key, now) {
      if (!tracking || syncing > 0) return undefined
      const held = sessions.get(key)
      if (held === undefined) return undefined
      if (held.expiresAt > now) return held.session
      sessions.delete(key)
      return undefined
    },
    async read(key, fetch) {
      if (!tracking) return (await fetch())?.session
      const began = epoch
      let reading = readings.get(key)
      if (reading === undefined) {
        reading = { spoiled: false, readers: 0 }
        readings.set(key, reading)
      }
      reading.readers++
      try {
        const found = await fetch()
        if (found && !reading.spoiled && began === epoch && tracking) {
          sessions.delete(key)
          sessions.set(key, found)
          if (sessions.size > MAX_SESSIONS) {
            const oldest = sessions.keys().next()
            if (!oldest.done) sessions.delete(oldest.value)
          }
        }
        return found?.session
      } finally {
        if (--reading.readers === 0 && readings.get(key) === reading) readings.delete(key)
      }
    },
    forget: invalidate,
    async sync() {
      if (!tracking) return
      syncing++
      try {
        await heartbeat()
      } finally {
        syncing--
      }
    },
    close() {
      closed = true
      clearInterval(timer)
      clearTimeout(retry)
      reset()
      subscriber.disconnect()
      client.off('ready', onReady)
      client.off('close', reset)
      // A client the store was given stays open: it no longer needs tracking.
      if (client.status === 'ready') client.client('TRACKING', 'OFF').catch(() => {})
    },
  }
}
