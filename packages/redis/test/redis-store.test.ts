import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import { Redis } from 'ioredis'
import { ConfigError } from '@coatcheck/core'
import { createTestSession } from '@coatcheck/core/testing'
import { createRedisStore, type RedisSessionStore } from '../src/index.ts'
import { digest, pairDigest } from '../src/internal/key-layout.ts'
import { deleteKeys, dumpKeys, REDIS_URL, runPrefix, TEST_KEYS } from './redis-test-helpers.ts'

const run = runPrefix()
let stores = 0
after(() => deleteKeys(run))

/** A store under its own prefix, and `count - 1` more on the same prefix (other instances). */
async function instances(count = 1): Promise<{ prefix: string; all: RedisSessionStore[] }> {
  const prefix = `${run}${stores++}:`
  const all = await Promise.all(
    Array.from({ length: count }, () =>
      createRedisStore({ redis: REDIS_URL, keys: TEST_KEYS, keyPrefix: prefix }),
    ),
  )
  return { prefix, all }
}

/** Resolves with what `listener` receives first; fails after `ms`. */
function firstEvent(store: RedisSessionStore, ms = 3000): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no session-ended event')), ms)
    const stop = store.onSessionEnded((ids) => {
      clearTimeout(timer)
      stop()
      resolve(ids)
    })
  })
}

describe('createRedisStore', () => {
  it('leaves no token, session id or sub in clear text in any key or value', async (t) => {
    const { prefix, all } = await instances()
    const [store] = all as [RedisSessionStore]
    const session = createTestSession({ sub: 'alice-5f1c2e' })
    await store.set(session, 3600)
    await store.update({ ...session, version: 2 }, 1, 3600)
    assert.ok(await store.lock(`refresh:${session.id}`, 10_000))
    assert.equal(await store.seenOnce(`login:${session.id}`, 60), true)

    const dump = await dumpKeys(prefix)
    assert.ok(
      dump.size >= 6,
      'the scan sees the session, both indexes, the live set, the lock, the key',
    )
    const secrets = [session.id, session.sub, session.sid!, ...Object.values(session.tokens)]
    for (const [key, value] of dump) {
      for (const secret of secrets.filter((s) => typeof s === 'string' && s.length > 8)) {
        assert.ok(!key.includes(secret as string) && !value.includes(secret as string))
      }
      assert.ok(!value.includes(session.tokens.accessToken.split('.')[1]!.slice(0, 32)))
    }

    // Typical session: a 900-character access token, a 1,000-character ID token.
    const redis = new Redis(REDIS_URL)
    const bytes = async (key: string) => (await redis.memory('USAGE', key)) ?? 0
    const sessionBytes = await bytes(`${prefix}s:${digest(session.id)}`)
    const indexBytes =
      (await bytes(`${prefix}sid:${pairDigest('sid', session.issuer, session.sid!)}`)) +
      (await bytes(`${prefix}sub:${pairDigest('sub', session.issuer, session.sub)}`))
    const json = JSON.stringify(session).length
    t.diagnostic(
      `session JSON ${json} B; in Redis: hash ${sessionBytes} B + indexes ${indexBytes} B`,
    )
    redis.disconnect()
    await store.close()
  })

  it('never lists or deletes a session through an index entry it no longer has', async () => {
    const { prefix, all } = await instances()
    const [store] = all as [RedisSessionStore]
    const bob = createTestSession({ sub: 'bob', sid: 'sid-bob' })
    await store.set(bob, 60)
    // What a crash between the steps of a write could leave: bob's id under alice's entries.
    const redis = new Redis(REDIS_URL)
    const farFuture = Date.now() + 60_000
    await redis.zadd(
      `${prefix}sub:${pairDigest('sub', bob.issuer, 'alice')}`,
      farFuture,
      digest(bob.id),
    )
    await redis.zadd(
      `${prefix}sid:${pairDigest('sid', bob.issuer, 'sid-a')}`,
      farFuture,
      digest(bob.id),
    )
    redis.disconnect()

    assert.deepEqual(await store.listBy({ issuer: bob.issuer, sub: 'alice' }), [])
    assert.deepEqual(await store.deleteBy({ issuer: bob.issuer, sub: 'alice' }), [])
    assert.deepEqual(await store.deleteBy({ issuer: bob.issuer, sid: 'sid-a' }), [])
    assert.deepEqual(await store.get(bob.id), bob)
    assert.deepEqual(await store.deleteBy({ issuer: bob.issuer, sid: 'sid-bob' }), [bob.id])
    await store.close()
  })

  it('refuses a sealed session copied under another id', async () => {
    const { prefix, all } = await instances()
    const [store] = all as [RedisSessionStore]
    const victim = createTestSession()
    const attacker = createTestSession()
    await store.set(victim, 60)
    await store.set(attacker, 60)
    const redis = new Redis(REDIS_URL)
    const stolen = await redis.hget(`${prefix}s:${digest(victim.id)}`, 'data')
    await redis.hset(`${prefix}s:${digest(attacker.id)}`, 'data', stolen!)
    redis.disconnect()
    assert.equal(await store.get(attacker.id), undefined)
    await store.close()
  })

  it('coordinates instances: one compare-and-set winner, one lock holder, shared deletes', async () => {
    const { all } = await instances(3)
    const session = createTestSession()
    await all[0]!.set(session, 60)
    const attempts = all.flatMap((store) =>
      Array.from({ length: 10 }, (_, i) =>
        store.update({ ...session, version: 2, lastSeenAt: i }, 1, 60),
      ),
    )
    assert.equal((await Promise.all(attempts)).filter(Boolean).length, 1)
    const locks = await Promise.all(all.map((store) => store.lock(`refresh:${session.id}`, 10_000)))
    assert.equal(locks.filter((held) => held !== undefined).length, 1)
    assert.deepEqual(await all[1]!.deleteBy({ issuer: session.issuer, sid: session.sid! }), [
      session.id,
    ])
    assert.equal(await all[2]!.get(session.id), undefined)
    await Promise.all(all.map((store) => store.close()))
  })

  it('tells every instance of an ended session, sealed on the wire', async () => {
    const { prefix, all } = await instances(2)
    const [publisher, subscriber] = all as [RedisSessionStore, RedisSessionStore]
    const ids = [createTestSession().id, createTestSession().id]
    const spy = new Redis(REDIS_URL)
    const raw: string[] = []
    spy.on('message', (_channel: string, message: string) => raw.push(message))
    await spy.subscribe(`${prefix}session-ended`)

    const received = firstEvent(subscriber)
    // The subscription is set up in the background: publish until it is live.
    const deadline = Date.now() + 3000
    let done = false
    void received.then(
      () => (done = true),
      () => (done = true),
    )
    while (!done && Date.now() < deadline) {
      await publisher.publishSessionEnded(ids, 'backchannel_logout')
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    assert.deepEqual(await received, ids)
    assert.ok(raw.length > 0 && raw.every((message) => !ids.some((id) => message.includes(id))))
    spy.disconnect()
    await Promise.all(all.map((store) => store.close()))
  })

  it('uses a client it is given and leaves it open on close', async () => {
    const client = new Redis(REDIS_URL)
    const store = await createRedisStore({
      redis: client,
      keys: TEST_KEYS,
      keyPrefix: `${run}own:`,
    })
    await store.set(createTestSession(), 60)
    await store.close()
    assert.equal(await client.ping(), 'PONG')
    client.disconnect()
  })

  it('fails at start-up, naming the option, when Redis cannot be reached or the mode is wrong', async () => {
    const started = Date.now()
    await assert.rejects(
      createRedisStore({
        redis: 'redis://:hunter2@127.0.0.1:1',
        keys: TEST_KEYS,
        connectTimeoutMs: 300,
      }),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError)
        assert.equal(error.issues[0]?.path, 'redis')
        assert.ok(!error.message.includes('hunter2'), 'the password stays out of the message')
        return true
      },
    )
    assert.ok(Date.now() - started < 2000)
    await assert.rejects(
      createRedisStore({ redis: REDIS_URL, mode: 'cluster', keys: TEST_KEYS }),
      ConfigError,
    )
    await assert.rejects(createRedisStore({ redis: REDIS_URL, keys: [] }), TypeError)
  })
})
