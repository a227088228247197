import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { Session } from '../../src/session/session.ts'
import type { SessionStore } from '../../src/session/session-store.ts'
import type { Harness } from './harness.ts'
import { createTestSession } from './test-session.ts'

/** How many writers race in the concurrency tests. */
const RACERS = 20

/** The session after a token refresh: new access token, version + 1. */
function refreshed(session: Session, marker: string | number = 'refreshed'): Session {
  return {
    ...session,
    version: session.version + 1,
    tokens: { ...session.tokens, accessToken: `${session.tokens.accessToken}.${marker}` },
  }
}

/** Reads, increments `claims.count` and compare-and-sets until it wins. */
async function increment(store: SessionStore, id: string): Promise<void> {
  for (;;) {
    const current = await store.get(id)
    assert.ok(current, 'the session disappeared while being updated')
    const count = (current.claims['count'] as number) + 1
    const next = { ...current, version: current.version + 1, claims: { ...current.claims, count } }
    if (await store.update(next, current.version, 60)) return
  }
}

/** `update` as a compare-and-set on `version`. */
export function describeUpdateCases({ withStore }: Harness): void {
  describe('update (compare-and-set on version)', () => {
    it(
      'writes when the stored version is the expected one',
      withStore(async (store) => {
        const session = createTestSession()
        await store.set(session, 60)
        const next = refreshed(session)
        assert.equal(await store.update(next, 1, 60), true)
        assert.deepEqual(await store.get(session.id), next)
      }),
    )

    it(
      'writes nothing and returns false for a stale expected version',
      withStore(async (store) => {
        const session = createTestSession()
        await store.set(session, 60)
        const winner = refreshed(session, 'winner')
        assert.equal(await store.update(winner, 1, 60), true)
        // A stalled refresher that read version 1 must not overwrite the newer tokens.
        assert.equal(await store.update(refreshed(session, 'stalled'), 1, 60), false)
        assert.deepEqual(await store.get(session.id), winner)
      }),
    )

    it(
      'returns false and creates nothing for a session that is not there',
      withStore(async (store) => {
        const session = createTestSession()
        assert.equal(await store.update(refreshed(session), 1, 60), false)
        assert.equal(await store.get(session.id), undefined)
        await store.set(session, 60)
        await store.delete(session.id)
        assert.equal(await store.update(refreshed(session), 1, 60), false)
        assert.equal(await store.get(session.id), undefined)
      }),
    )

    it(
      'returns false for a session that expired',
      withStore(async (store, clock) => {
        const session = createTestSession()
        await store.set(session, 1)
        await clock.advance(1000)
        assert.equal(await store.update(refreshed(session), 1, 60), false)
        assert.equal(await store.get(session.id), undefined)
      }),
    )

    it(
      'sets the TTL given to update',
      withStore(async (store, clock) => {
        const session = createTestSession()
        await store.set(session, 1)
        assert.equal(await store.update(refreshed(session), 1, 30), true)
        await clock.advance(1000)
        assert.equal((await store.get(session.id))?.version, 2)
      }),
    )

    it(
      `lets exactly one of ${RACERS} concurrent updaters with the same expected version win`,
      withStore(async (store) => {
        const session = createTestSession()
        await store.set(session, 60)
        const attempts = Array.from({ length: RACERS }, (_, i) => refreshed(session, i))
        const results = await Promise.all(attempts.map((next) => store.update(next, 1, 60)))
        assert.equal(results.filter(Boolean).length, 1)
        assert.deepEqual(await store.get(session.id), attempts[results.indexOf(true)])
      }),
    )

    it(
      `loses no increment when ${RACERS} writers retry compare-and-set on one session`,
      withStore(async (store) => {
        const session = createTestSession({ claims: { count: 0 } })
        await store.set(session, 60)
        await Promise.all(Array.from({ length: RACERS }, () => increment(store, session.id)))
        const stored = await store.get(session.id)
        assert.equal(stored?.claims['count'], RACERS)
        assert.equal(stored?.version, RACERS + 1)
      }),
    )

    it(
      'loses nothing when many sessions are updated concurrently',
      withStore(async (store) => {
        const sessions = Array.from({ length: 50 }, () => createTestSession())
        await Promise.all(sessions.map((session) => store.set(session, 60)))
        const chain = async (session: Session) => {
          let current = session
          for (let i = 0; i < 3; i++) {
            const next = refreshed(current, i)
            assert.equal(await store.update(next, current.version, 60), true)
            current = next
          }
          return current
        }
        const finals = await Promise.all(sessions.map(chain))
        for (const expected of finals) assert.deepEqual(await store.get(expected.id), expected)
      }),
    )
  })
}
