import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { createMemoryStore } from './memory-store.ts'
import type { Session } from './session.ts'

function makeSession(id = 'AAAAAAAAAAAAAAAAAAAAAA'): Session {
  return {
    id,
    issuer: 'https://idp.example',
    sub: 'alice',
    claims: { sub: 'alice', roles: ['admin'] },
    tokens: { accessToken: 'at', tokenType: 'Bearer', refreshToken: 'rt' },
    version: 1,
    createdAt: 0,
    lastSeenAt: 0,
    expiresAt: 3_600_000,
  }
}

function clock(start = 1_000_000) {
  const time = { now: start }
  return { time, now: () => time.now }
}

describe('createMemoryStore', () => {
  it('returns what was set, until deleted', async () => {
    const store = createMemoryStore()
    const session = makeSession()
    await store.set(session, 60)
    assert.deepEqual(await store.get(session.id), session)
    await store.delete(session.id)
    assert.equal(await store.get(session.id), undefined)
    await store.delete('never-stored')
    await store.close()
  })

  it('hides a session as soon as its TTL passes, with no sweep needed (C-12)', async () => {
    const { time, now } = clock()
    const store = createMemoryStore({ now })
    await store.set(makeSession(), 60)
    time.now += 59_999
    assert.ok(await store.get('AAAAAAAAAAAAAAAAAAAAAA'))
    time.now += 1
    assert.equal(await store.get('AAAAAAAAAAAAAAAAAAAAAA'), undefined)
    await store.close()
  })

  it('replaces a session and its TTL on set', async () => {
    const { time, now } = clock()
    const store = createMemoryStore({ now })
    await store.set(makeSession(), 10)
    await store.set({ ...makeSession(), sub: 'bob' }, 100)
    time.now += 50_000
    assert.equal((await store.get('AAAAAAAAAAAAAAAAAAAAAA'))?.sub, 'bob')
    await store.close()
  })

  it('stores a frozen copy: mutating the object passed in changes nothing, the one returned cannot be changed', async () => {
    const store = createMemoryStore()
    const session = makeSession()
    await store.set(session, 60)
    ;(session.claims as Record<string, unknown>)['roles'] = ['attacker']
    const read = await store.get(session.id)
    assert.deepEqual(read?.claims['roles'], ['admin'])
    assert.throws(() => {
      ;(read as { sub: string }).sub = 'mallory'
    }, TypeError)
    assert.equal((await store.get(session.id))?.sub, 'alice')
    await store.close()
  })

  it('seenOnce is true the first time, false within the TTL, true again after it (L-06, O-13)', async () => {
    const { time, now } = clock()
    const store = createMemoryStore({ now })
    assert.equal(await store.seenOnce('jti-1', 30), true)
    assert.equal(await store.seenOnce('jti-1', 30), false)
    assert.equal(await store.seenOnce('jti-2', 30), true)
    time.now += 29_999
    assert.equal(await store.seenOnce('jti-1', 30), false)
    time.now += 1
    assert.equal(await store.seenOnce('jti-1', 30), true)
    assert.equal(await store.seenOnce('jti-1', 30), false)
    await store.close()
  })

  it('keeps replay keys apart from session ids', async () => {
    const store = createMemoryStore()
    await store.set(makeSession(), 60)
    assert.equal(await store.seenOnce('AAAAAAAAAAAAAAAAAAAAAA', 60), true)
    await store.delete('AAAAAAAAAAAAAAAAAAAAAA')
    assert.equal(await store.seenOnce('AAAAAAAAAAAAAAAAAAAAAA', 60), false)
    await store.close()
  })

  it('refuses a TTL that is not a positive number', async () => {
    const store = createMemoryStore()
    await assert.rejects(store.set(makeSession(), 0), TypeError)
    await assert.rejects(store.seenOnce('k', Number.NaN), TypeError)
    await store.close()
  })

  it('sweeps expired entries on a timer, not only when read', async (t) => {
    t.mock.timers.enable({ apis: ['setInterval'] })
    const { time, now } = clock()
    const store = createMemoryStore({ now })
    await store.set(makeSession(), 1)
    assert.equal(await store.seenOnce('jti', 1), true)
    assert.ok(await store.lock('refresh', 1000))
    time.now += 2_000
    t.mock.timers.tick(60_000)
    // Turning the clock back shows whether the entries are still held or were swept.
    time.now -= 2_000
    assert.equal(await store.get('AAAAAAAAAAAAAAAAAAAAAA'), undefined)
    assert.deepEqual(await store.listBy({ issuer: 'https://idp.example', sub: 'alice' }), [])
    assert.equal(await store.seenOnce('jti', 1), true)
    assert.ok(await store.lock('refresh', 1000))
    await store.close()
  })
})
