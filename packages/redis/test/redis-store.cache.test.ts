import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { Redis, type RedisOptions } from 'ioredis'
import type { Session } from '@coatcheck/core'
import { createTestSession } from '@coatcheck/core/testing'
import { createRedisStore, type RedisSessionStore } from '../src/index.ts'
import { digest } from '../src/internal/key-layout.ts'
import { createNearCache } from '../src/internal/near-cache.ts'
import { deleteKeys, REDIS_URL, runPrefix, TEST_KEYS } from './redis-test-helpers.ts'
import { startTcpProxy, type TcpProxy } from './tcp-proxy.ts'

const run = runPrefix()
let prefixes = 0
const cleanUps: (() => Promise<unknown> | void)[] = []
after(async () => {
  for (const step of cleanUps.reverse()) await step()
  await deleteKeys(run)
})

/** Polls `check` every 20 ms until it holds; fails after `ms`. */
async function until(check: () => Promise<boolean> | boolean, ms = 3000): Promise<void> {
  const deadline = Date.now() + ms
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('the condition never held')
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

/**
 * A client that counts the session reads it sends. With `lagging`, the connections it
 * duplicates (the store's invalidation connection) go through that proxy, so a test can
 * hold the invalidations back while commands still flow.
 */
function countingClient(
  lagging?: TcpProxy,
  url = REDIS_URL,
  options: RedisOptions = {},
): Redis & { reads: () => number } {
  const client = new Redis(url, { enableAutoPipelining: true, ...options })
  let reads = 0
  const send = client.sendCommand.bind(client)
  client.sendCommand = (command, stream) => {
    if (command.name === 'hget') reads++
    return send(command, stream)
  }
  if (lagging) {
    client.duplicate = (override?: Partial<RedisOptions>) =>
      new Redis(lagging.url, { ...client.options, ...override })
  }
  cleanUps.push(() => client.disconnect())
  return Object.assign(client, { reads: () => reads })
}

/** Two instances on one prefix; the first on `client`, the other with its own connection. */
async function instances(client: Redis, commandTimeoutMs = 1000) {
  const keyPrefix = `${run}${prefixes++}:`
  const options = { keys: TEST_KEYS, keyPrefix, commandTimeoutMs }
  const near = await createRedisStore({ redis: client, ...options })
  const other = await createRedisStore({ redis: REDIS_URL, ...options })
  cleanUps.push(
    () => near.close(),
    () => other.close(),
  )
  return { near, other, keyPrefix }
}

/** Resolves once `store` answers `session` from what it holds, without asking Redis. */
async function heldBy(store: RedisSessionStore, client: { reads: () => number }, session: Session) {
  await until(async () => {
    const before = client.reads()
    const found = await store.get(session.id)
    assert.deepEqual(found, session)
    return client.reads() === before
  })
}

/**
 * Writes `session` through `store`, gives a would-be holder time to set itself up, and
 * checks that each of three reads still asks Redis.
 */
async function askedEveryTime(
  store: RedisSessionStore,
  client: { reads: () => number },
  session: Session,
) {
  await store.set(session, 60)
  await new Promise((resolve) => setTimeout(resolve, 200))
  const before = client.reads()
  for (let read = 1; read <= 3; read++) {
    assert.deepEqual(await store.get(session.id), session)
    assert.equal(client.reads(), before + read)
  }
}

/**
 * A session written and then held by one instance (`near`) next to another on the same
 * prefix. With `lagging`, the holder's invalidations pass through a proxy that can freeze.
 */
async function heldSession(options: { lagging?: boolean; ttlSeconds?: number } = {}) {
  let lagging: TcpProxy | undefined
  if (options.lagging) {
    const redis = new URL(REDIS_URL)
    lagging = await startTcpProxy({ host: redis.hostname, port: Number(redis.port || 6379) })
    cleanUps.push(() => lagging?.stop())
  }
  const client = countingClient(lagging)
  const { near, other } = await instances(client, lagging ? 300 : 1000)
  const session = createTestSession()
  await near.set(session, options.ttlSeconds ?? 60)
  await heldBy(near, client, session)
  return { near, other, session, lagging: lagging as TcpProxy }
}

describe('createRedisStore holding the sessions it read', () => {
  it('answers a held session without a round trip, and sees its own writes at once', async () => {
    const { near, session } = await heldSession()

    const next = { ...session, version: 2, lastSeenAt: session.lastSeenAt + 1 }
    assert.equal(await near.update(next, 1, 60), true)
    assert.deepEqual(await near.get(session.id), next)
    await near.delete(session.id)
    assert.equal(await near.get(session.id), undefined)
  })

  it("sees another instance's update, delete and back-channel logout within moments (O-16)", async () => {
    const client = countingClient()
    const { near, other } = await instances(client)
    const [updated, deleted, loggedOut] = [
      createTestSession(),
      createTestSession(),
      createTestSession(),
    ]
    for (const session of [updated, deleted, loggedOut]) await near.set(session, 60)
    for (const session of [updated, deleted, loggedOut]) await heldBy(near, client, session)

    const next = { ...updated, version: 2, lastSeenAt: updated.lastSeenAt + 1 }
    assert.equal(await other.update(next, 1, 60), true)
    await other.delete(deleted.id)
    await other.deleteBy({ issuer: loggedOut.issuer, sid: loggedOut.sid! })
    await until(async () => (await near.get(updated.id))?.version === 2, 1000)
    await until(async () => (await near.get(deleted.id)) === undefined, 1000)
    await until(async () => (await near.get(loggedOut.id)) === undefined, 1000)
  })

  it('stops answering a held session when it expires in Redis', async () => {
    const { near, session } = await heldSession({ ttlSeconds: 0.4 })
    await new Promise((resolve) => setTimeout(resolve, 450))
    assert.equal(await near.get(session.id), undefined)
  })

  it('after taking a lease, reads what its previous holder wrote even while invalidations lag (R-03)', async () => {
    const { near, other, session, lagging } = await heldSession({ lagging: true })

    // The other instance refreshes under the lease; its invalidation never arrives here.
    lagging.freeze()
    const lease = await other.lock(`refresh:${session.id}`, 5000)
    const rotated = { ...session, version: 2, tokens: { ...session.tokens, refreshToken: 'rt-2' } }
    assert.equal(await other.update(rotated, 1, 60), true)
    await lease?.release()

    const mine = await near.lock(`refresh:${session.id}`, 5000)
    assert.ok(mine)
    assert.deepEqual(await near.get(session.id), rotated)
    await mine.release()
    lagging.thaw()
  })

  it('stops answering held sessions when the invalidation connection goes quiet', async () => {
    const { near, other, session, lagging } = await heldSession({ lagging: true })

    lagging.freeze()
    await other.delete(session.id)
    // Heartbeat (1000 ms) plus the command timeout: the held copy is no longer trusted.
    await new Promise((resolve) => setTimeout(resolve, 1400))
    assert.equal(await near.get(session.id), undefined)
    lagging.thaw()
  })

  it('holds again, and nothing stale, after its connections come back', async () => {
    const redis = new URL(REDIS_URL)
    const proxy = await startTcpProxy({ host: redis.hostname, port: Number(redis.port || 6379) })
    cleanUps.push(() => proxy.stop())
    const keyPrefix = `${run}${prefixes++}:`
    const options = { keys: TEST_KEYS, keyPrefix, commandTimeoutMs: 300 }
    const near = await createRedisStore({ redis: proxy.url, ...options })
    const other = await createRedisStore({ redis: REDIS_URL, ...options })
    cleanUps.push(
      () => near.close(),
      () => other.close(),
    )
    const session = createTestSession()
    await near.set(session, 60)
    await near.get(session.id)
    await new Promise((resolve) => setTimeout(resolve, 100))

    await proxy.stop()
    const next = { ...session, version: 2, lastSeenAt: session.lastSeenAt + 1 }
    assert.equal(await other.update(next, 1, 60), true)
    await proxy.start()
    // Reconnecting: every read either fails or answers the session as Redis has it now.
    let found: Session | undefined
    await until(async () => {
      found = await near.get(session.id).catch(() => undefined)
      return found !== undefined
    })
    assert.deepEqual(found, next)
  })

  it('reads from Redis every time when Redis refuses client-side caching', async () => {
    const admin = new Redis(REDIS_URL)
    const user = `${run}no-tracking`
    await admin.acl('SETUSER', user, 'on', '>secret', '~*', '&*', '+@all', '-client')
    cleanUps.push(async () => {
      await admin.acl('DELUSER', user)
      admin.disconnect()
    })
    const url = new URL(REDIS_URL)
    url.username = user
    url.password = 'secret'
    const client = countingClient(undefined, url.href)
    const { near, other } = await instances(client)
    const session = createTestSession()
    await askedEveryTime(near, client, session)
    await other.delete(session.id)
    assert.equal(await near.get(session.id), undefined)
  })

  it("holds nothing on a client with ioredis's own keyPrefix, whose key names it does not see", async () => {
    const client = countingClient(undefined, REDIS_URL, { keyPrefix: `${run}ioredis:` })
    const { near } = await instances(client)
    await askedEveryTime(near, client, createTestSession())
  })

  it('holds nothing when its two connections reach different servers', async (t) => {
    // A second, empty Redis: the invalidation connection lands there, as it could behind a
    // proxy or during a Sentinel failover.
    const dir = mkdtempSync(join(tmpdir(), 'coatcheck-redis-'))
    const path = join(dir, 'redis.sock')
    const args = ['--port', '0', '--unixsocket', path, '--save', '', '--appendonly', 'no']
    const server = spawn('redis-server', args, { stdio: 'ignore' })
    cleanUps.push(() => {
      server.kill()
      rmSync(dir, { recursive: true, force: true })
    })
    const elsewhere = new Redis({ path, retryStrategy: () => 50 })
    elsewhere.on('error', () => {})
    cleanUps.push(() => elsewhere.disconnect())
    await until(async () => (await elsewhere.ping().catch(() => '')) === 'PONG').catch(() =>
      t.skip('redis-server cannot be started here'),
    )
    const client = countingClient()
    client.duplicate = (override?: Partial<RedisOptions>) =>
      new Redis({ ...client.options, ...override, path })
    const { near, other } = await instances(client)
    const session = createTestSession()
    await askedEveryTime(near, client, session)
    await other.delete(session.id)
    assert.equal(await near.get(session.id), undefined)
  })
})

describe('createNearCache', () => {
  it('does not hold what a read found when the key changed while the read was on its way', async () => {
    const client = new Redis(REDIS_URL)
    const writer = new Redis(REDIS_URL)
    const prefix = `${run}near:`
    const cache = createNearCache(client, { prefix, timeoutMs: 1000, heartbeatMs: 1000 })
    cleanUps.push(() => {
      cache.close()
      client.disconnect()
      writer.disconnect()
    })
    const found = { session: createTestSession(), expiresAt: Date.now() + 60_000 }
    const key = `${prefix}${digest('a')}`
    // Tracking is set up in the background: a read that comes back untouched is held.
    await until(async () => {
      await cache.read(key, async () => found)
      return cache.get(key, Date.now()) !== undefined
    })

    const changed = `${prefix}${digest('b')}`
    const answer = await cache.read(changed, async () => {
      await writer.set(changed, '1')
      // Every invalidation Redis sent before now has arrived.
      await cache.sync()
      return found
    })
    assert.equal(answer, found.session)
    assert.equal(cache.get(changed, Date.now()), undefined)
    assert.equal(cache.get(key, Date.now()), found.session)
  })
})
