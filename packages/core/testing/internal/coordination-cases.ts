import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { Harness } from './harness.ts'
import { createTestSession } from './test-session.ts'

/** How many takers race for one lock. */
const RACERS = 20

/** `lock` (single-flight refresh, R-03) and `seenOnce` (replay cache, L-06, O-13). */
export function describeCoordinationCases({ controllableClock, withStore }: Harness): void {
  // Long enough that a real-clock store cannot lose it between two calls in a test.
  const lease = controllableClock ? 10_000 : 500

  describe('lock', () => {
    it(
      'is exclusive: a second taker gets undefined while the lease runs',
      withStore(async (store) => {
        const held = await store.lock('refresh:a', lease)
        assert.ok(held)
        assert.equal(await store.lock('refresh:a', lease), undefined)
        assert.ok(await store.lock('refresh:b', lease), 'another key is another lock')
      }),
    )

    it(
      `gives the lease to exactly one of ${RACERS} concurrent takers`,
      withStore(async (store) => {
        const results = await Promise.all(
          Array.from({ length: RACERS }, () => store.lock('refresh:a', lease)),
        )
        assert.equal(results.filter((held) => held !== undefined).length, 1)
      }),
    )

    it(
      'can be taken again after release; releasing twice frees nothing else',
      withStore(async (store) => {
        const first = await store.lock('refresh:a', lease)
        assert.ok(first)
        await first.release()
        const second = await store.lock('refresh:a', lease)
        assert.ok(second)
        await first.release()
        assert.equal(await store.lock('refresh:a', lease), undefined)
      }),
    )

    it(
      'frees the lease of a holder that crashed once it expires',
      withStore(async (store, clock) => {
        assert.ok(await store.lock('refresh:a', lease))
        await clock.advance(lease)
        assert.ok(await store.lock('refresh:a', lease))
      }),
    )

    it(
      "never lets an old holder whose lease expired release the new holder's lease",
      withStore(async (store, clock) => {
        const stalled = await store.lock('refresh:a', lease)
        assert.ok(stalled)
        await clock.advance(lease)
        const current = await store.lock('refresh:a', lease)
        assert.ok(current)
        await stalled.release()
        assert.equal(await store.lock('refresh:a', lease), undefined)
        await current.release()
        assert.ok(await store.lock('refresh:a', lease))
      }),
    )

    it(
      'keeps lock keys apart from session ids and replay keys',
      withStore(async (store) => {
        const session = createTestSession()
        await store.set(session, 60)
        assert.ok(await store.lock(session.id, lease))
        assert.equal(await store.seenOnce(session.id, 60), true)
        assert.deepEqual(await store.get(session.id), session)
      }),
    )
  })

  describe('seenOnce', () => {
    it(
      'is true the first time, false within the TTL, true again after it',
      withStore(async (store, clock) => {
        assert.equal(await store.seenOnce('jti-1', 1), true)
        assert.equal(await store.seenOnce('jti-1', 1), false)
        assert.equal(await store.seenOnce('jti-2', 1), true)
        await clock.advance(1000)
        assert.equal(await store.seenOnce('jti-1', 1), true)
        assert.equal(await store.seenOnce('jti-1', 1), false)
      }),
    )

    it(
      `is true for exactly one of ${RACERS} concurrent callers`,
      withStore(async (store) => {
        const results = await Promise.all(
          Array.from({ length: RACERS }, () => store.seenOnce('jti-race', 60)),
        )
        assert.equal(results.filter(Boolean).length, 1)
      }),
    )

    it(
      'keeps replay keys apart from session ids',
      withStore(async (store) => {
        const session = createTestSession()
        await store.set(session, 60)
        assert.equal(await store.seenOnce(session.id, 60), true)
        await store.delete(session.id)
        assert.equal(await store.seenOnce(session.id, 60), false)
      }),
    )
  })
}
