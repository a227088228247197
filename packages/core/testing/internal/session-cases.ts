import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { Harness } from './harness.ts'
import { createTestSession } from './test-session.ts'

/** get / set / delete and TTL expiry. */
export function describeSessionCases({ controllableClock, withStore }: Harness): void {
  describe('get, set, delete', () => {
    it(
      'returns a deep-equal copy of what was set',
      withStore(async (store) => {
        const session = createTestSession()
        const bare = createTestSession({ tokens: { accessToken: 'at', tokenType: 'Bearer' } })
        delete (bare as { sid?: string }).sid
        await store.set(session, 60)
        await store.set(bare, 60)
        assert.deepEqual(await store.get(session.id), session)
        // Optional fields stay absent rather than coming back as `undefined` or `null`.
        assert.deepEqual(await store.get(bare.id), bare)
      }),
    )

    it(
      'shares no mutable object with callers: mutating what was passed in or read back stores nothing',
      withStore(async (store) => {
        const session = createTestSession()
        await store.set(session, 60)
        ;(session.claims as Record<string, unknown>)['name'] = 'Mallory'
        const read = await store.get(session.id)
        assert.equal(read?.claims['name'], 'Alice Example')
        // A store may hand out a copy, or its own object frozen: then the write throws.
        try {
          ;(read as { sub: string }).sub = 'mallory'
        } catch (error) {
          assert.ok(error instanceof TypeError)
        }
        assert.equal((await store.get(session.id))?.sub, 'alice')
      }),
    )

    it(
      'returns undefined for an id never stored',
      withStore(async (store) => {
        assert.equal(await store.get(createTestSession().id), undefined)
      }),
    )

    it(
      'replaces a session on set',
      withStore(async (store) => {
        const session = createTestSession()
        await store.set(session, 60)
        await store.set({ ...session, lastSeenAt: session.lastSeenAt + 1 }, 60)
        assert.equal((await store.get(session.id))?.lastSeenAt, session.lastSeenAt + 1)
      }),
    )

    it(
      'deletes a session; deleting an unknown id is not an error',
      withStore(async (store) => {
        const session = createTestSession()
        const other = createTestSession()
        await store.set(session, 60)
        await store.set(other, 60)
        await store.delete(session.id)
        await store.delete(session.id)
        await store.delete(createTestSession().id)
        assert.equal(await store.get(session.id), undefined)
        assert.deepEqual(await store.get(other.id), other)
      }),
    )

    it(
      'refuses a TTL or lease that is not a positive number',
      withStore(async (store) => {
        const session = createTestSession()
        await assert.rejects(store.set(session, 0), TypeError)
        await assert.rejects(store.set(session, Number.NaN), TypeError)
        await assert.rejects(store.update(session, 1, -1), TypeError)
        await assert.rejects(store.seenOnce('k', 0), TypeError)
        await assert.rejects(store.lock('k', 0), TypeError)
        assert.equal(await store.get(session.id), undefined)
      }),
    )
  })

  describe('TTL', () => {
    it(
      'hides a session once its TTL has passed (C-12)',
      withStore(async (store, clock) => {
        const session = createTestSession()
        await store.set(session, 1)
        if (controllableClock) {
          await clock.advance(999)
          assert.ok(await store.get(session.id), 'still live 1 ms before its TTL')
          await clock.advance(1)
        } else {
          assert.ok(await store.get(session.id))
          await clock.advance(1000)
        }
        assert.equal(await store.get(session.id), undefined)
      }),
    )

    it(
      'takes the TTL of the latest set',
      withStore(async (store, clock) => {
        const short = createTestSession()
        const long = createTestSession()
        await store.set(short, 30)
        await store.set(short, 1)
        await store.set(long, 1)
        await store.set(long, 30)
        await clock.advance(1000)
        assert.equal(await store.get(short.id), undefined)
        assert.deepEqual(await store.get(long.id), long)
      }),
    )
  })
}
