import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { createTestSession } from '@coatcheck/core/testing'
import { createRedisStore, type RedisSessionStore } from '../src/index.ts'
import { deleteKeys, REDIS_URL, runPrefix, TEST_KEYS } from './redis-test-helpers.ts'
import { startTcpProxy, type TcpProxy } from './tcp-proxy.ts'

const run = runPrefix()
const unhandled: unknown[] = []
const onUnhandled = (reason: unknown) => unhandled.push(reason)
let proxy: TcpProxy
let store: RedisSessionStore

before(async () => {
  process.on('unhandledRejection', onUnhandled)
  const redis = new URL(REDIS_URL)
  proxy = await startTcpProxy({ host: redis.hostname, port: Number(redis.port || 6379) })
  store = await createRedisStore({
    redis: proxy.url,
    keys: TEST_KEYS,
    keyPrefix: run,
    commandTimeoutMs: 300,
  })
})
after(async () => {
  await store.close()
  await proxy.stop()
  await deleteKeys(run)
  process.off('unhandledRejection', onUnhandled)
})

/** Milliseconds until `call` settles; asserts that it rejected. */
async function timeRejection(call: () => Promise<unknown>): Promise<number> {
  const started = Date.now()
  await assert.rejects(call())
  return Date.now() - started
}

/** Retries `call` until it succeeds, for at most `ms`; ioredis reconnects with backoff. */
async function eventually<T>(call: () => Promise<T>, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms
  for (;;) {
    try {
      return await call()
    } catch (error) {
      if (Date.now() > deadline) throw error
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
  }
}

describe('createRedisStore when Redis goes away', () => {
  it('rejects every call promptly while Redis is unreachable, and recovers by itself', async () => {
    const before = createTestSession()
    await store.set(before, 600)

    await proxy.stop()
    const session = createTestSession()
    const waits = [
      await timeRejection(() => store.get(before.id)),
      await timeRejection(() => store.set(session, 60)),
      await timeRejection(() => store.update({ ...before, version: 2 }, 1, 60)),
      await timeRejection(() => store.deleteBy({ issuer: before.issuer, sub: before.sub })),
      await timeRejection(() => store.lock('refresh:x', 1000)),
      await timeRejection(() => store.seenOnce('jti', 60)),
    ]
    assert.ok(Math.max(...waits) < 1000, `a call took ${Math.max(...waits)} ms to fail`)

    await proxy.start()
    assert.deepEqual(await eventually(() => store.get(before.id)), before)
    assert.equal(await store.update({ ...before, version: 2 }, 1, 600), true)
    await store.set(session, 60)
    assert.deepEqual(await store.get(session.id), session)
    assert.deepEqual(unhandled, [])
  })

  it('rejects within the command timeout when Redis hangs, then recovers', async () => {
    const session = createTestSession()
    await store.set(session, 600)
    proxy.freeze()
    const wait = await timeRejection(() => store.get(session.id))
    assert.ok(wait >= 250 && wait < 1000, `failed after ${wait} ms`)
    proxy.thaw()
    assert.deepEqual(await eventually(() => store.get(session.id)), session)
    assert.deepEqual(unhandled, [])
  })
})
