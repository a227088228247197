import assert from 'node:assert/strict'
import { describe, it, type TestContext } from 'node:test'
import type { SessionStore } from '../../src/session/session-store.ts'
import type { Harness, TestClock } from './harness.ts'
import { createTestSession } from './test-session.ts'

type CountBody = (
  store: SessionStore,
  count: () => Promise<number>,
  clock: TestClock,
  openOther: () => Promise<SessionStore>,
) => Promise<void>

/** `count`: the live sessions of this store, behind `coatcheck_sessions_active`. */
export function describeCountCases({ withStore }: Harness): void {
  // `count` is optional: a store without it skips these cases.
  const withCount = (body: CountBody) => (t: TestContext) =>
    withStore(async (store, clock, openOther) => {
      const { count } = store
      if (!count) return t.skip('the store does not count its sessions')
      await body(store, () => count.call(store), clock, openOther)
    })()

  describe('count', () => {
    it(
      'counts the sessions set, once each however often they are written',
      withCount(async (store, count) => {
        assert.equal(await count(), 0)
        const first = createTestSession()
        const second = createTestSession()
        await store.set(first, 60)
        await store.set(second, 60)
        await store.set({ ...first, lastSeenAt: first.lastSeenAt + 1 }, 60)
        assert.equal(await store.update({ ...second, version: 2 }, 1, 60), true)
        assert.equal(await count(), 2)
      }),
    )

    it(
      'stops counting a deleted session, and one removed by deleteBy',
      withCount(async (store, count) => {
        const kept = createTestSession({ sub: 'bob' })
        const deleted = createTestSession()
        const loggedOut = createTestSession({ sid: 'sid-count' })
        for (const session of [kept, deleted, loggedOut]) await store.set(session, 60)
        await store.delete(deleted.id)
        assert.equal(await count(), 2)
        await store.deleteBy({ issuer: loggedOut.issuer, sid: 'sid-count' })
        assert.equal(await count(), 1)
        await store.deleteBy({ issuer: kept.issuer, sub: 'bob' })
        assert.equal(await count(), 0)
        // An update of a session that is gone writes nothing, and counts nothing.
        assert.equal(await store.update({ ...deleted, version: 2 }, 1, 60), false)
        assert.equal(await count(), 0)
      }),
    )

    it(
      'stops counting a session once its TTL has passed (C-12)',
      withCount(async (store, count, clock) => {
        const short = createTestSession()
        const shortened = createTestSession()
        const long = createTestSession()
        await store.set(long, 30)
        await store.set(shortened, 30)
        // The 1-second writes last and together: on a real clock, the count must come first.
        await Promise.all([store.set(shortened, 1), store.set(short, 1)])
        assert.equal(await count(), 3)
        await clock.advance(1000)
        assert.equal(await count(), 1)
      }),
    )

    it(
      'never counts the sessions of another prefix or database',
      withCount(async (store, count, _clock, openOther) => {
        const other = await openOther()
        await store.set(createTestSession(), 60)
        for (let i = 0; i < 3; i++) await other.set(createTestSession(), 60)
        assert.equal(await count(), 1)
        assert.equal(await other.count?.(), 3)
      }),
    )
  })
}
