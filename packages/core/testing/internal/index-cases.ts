import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { Session } from '../../src/session/session.ts'
import type { SessionStore } from '../../src/session/session-store.ts'
import type { Harness } from './harness.ts'
import { createTestSession, sorted } from './test-session.ts'

const ISSUER = 'https://idp.example'
const OTHER_ISSUER = 'https://other-idp.example'

/** Ids, sorted: the contract leaves the order of `listBy` and `deleteBy` open. */
async function listedIds(store: SessionStore, issuer: string, sub: string): Promise<string[]> {
  return sorted((await store.listBy({ issuer, sub })).map((session) => session.id))
}

/**
 * Sessions that differ from each other in exactly one indexed field, so a filter that
 * looks at the wrong one (or at no issuer) takes a neighbour with it.
 */
async function seed(store: SessionStore) {
  const make = (issuer: string, sub: string, sid?: string): Session => {
    const session = createTestSession({ issuer, sub, claims: { sub } })
    if (sid === undefined) delete (session as { sid?: string }).sid
    else (session as { sid?: string }).sid = sid
    return session
  }
  const s = {
    aliceSid1: make(ISSUER, 'alice', 'sid-1'),
    aliceSid1Again: make(ISSUER, 'alice', 'sid-1'),
    aliceSid2: make(ISSUER, 'alice', 'sid-2'),
    aliceNoSid: make(ISSUER, 'alice'),
    bobSid3: make(ISSUER, 'bob', 'sid-3'),
    // The same sub and sid at another issuer is another user: never touched.
    otherIssuerAlice: make(OTHER_ISSUER, 'alice', 'sid-1'),
  }
  for (const session of Object.values(s)) await store.set(session, 60)
  return s
}

/** `deleteBy`, `listBy` and the indexes behind them (O-16, session control). */
export function describeIndexCases({ withStore }: Harness): void {
  describe('deleteBy and listBy', () => {
    it(
      'lists every live session of a user at one issuer, and nobody else',
      withStore(async (store) => {
        const s = await seed(store)
        const alice = [s.aliceSid1, s.aliceSid1Again, s.aliceSid2, s.aliceNoSid]
        const listed = await store.listBy({ issuer: ISSUER, sub: 'alice' })
        assert.deepEqual(
          [...listed].sort((a, b) => a.id.localeCompare(b.id)),
          [...alice].sort((a, b) => a.id.localeCompare(b.id)),
        )
        assert.deepEqual(await listedIds(store, OTHER_ISSUER, 'alice'), [s.otherIssuerAlice.id])
        assert.deepEqual(await listedIds(store, ISSUER, 'carol'), [])
      }),
    )

    it(
      'deleteBy sid removes exactly the sessions of that issuer and sid, and returns their ids',
      withStore(async (store) => {
        const s = await seed(store)
        const removed = await store.deleteBy({ issuer: ISSUER, sid: 'sid-1' })
        assert.deepEqual(sorted(removed), sorted([s.aliceSid1.id, s.aliceSid1Again.id]))
        assert.equal(await store.get(s.aliceSid1.id), undefined)
        assert.equal(await store.get(s.aliceSid1Again.id), undefined)
        for (const kept of [s.aliceSid2, s.aliceNoSid, s.bobSid3, s.otherIssuerAlice]) {
          assert.deepEqual(await store.get(kept.id), kept)
        }
        assert.deepEqual(await store.deleteBy({ issuer: ISSUER, sid: 'sid-1' }), [])
      }),
    )

    it(
      'deleteBy sub removes every session of that user at that issuer, and returns their ids',
      withStore(async (store) => {
        const s = await seed(store)
        const removed = await store.deleteBy({ issuer: ISSUER, sub: 'alice' })
        const alice = [s.aliceSid1, s.aliceSid1Again, s.aliceSid2, s.aliceNoSid]
        assert.deepEqual(sorted(removed), sorted(alice.map((session) => session.id)))
        for (const gone of alice) assert.equal(await store.get(gone.id), undefined)
        assert.deepEqual(await store.get(s.bobSid3.id), s.bobSid3)
        assert.deepEqual(await store.get(s.otherIssuerAlice.id), s.otherIssuerAlice)
        assert.deepEqual(await listedIds(store, ISSUER, 'alice'), [])
        assert.deepEqual(await store.deleteBy({ issuer: ISSUER, sid: 'sid-2' }), [])
      }),
    )

    it(
      'forgets a deleted session in every index',
      withStore(async (store) => {
        const s = await seed(store)
        await store.delete(s.aliceSid1.id)
        assert.ok(!(await listedIds(store, ISSUER, 'alice')).includes(s.aliceSid1.id))
        const removed = await store.deleteBy({ issuer: ISSUER, sid: 'sid-1' })
        assert.deepEqual(removed, [s.aliceSid1Again.id])
      }),
    )

    it(
      'lists a session once after updates that change nothing indexed',
      withStore(async (store) => {
        const s = await seed(store)
        let current = s.aliceSid1
        for (let i = 0; i < 3; i++) {
          const next = { ...current, version: current.version + 1, lastSeenAt: i }
          assert.equal(await store.update(next, current.version, 60), true)
          current = next
        }
        await store.set({ ...current, lastSeenAt: 99 }, 60)
        const listed = await store.listBy({ issuer: ISSUER, sub: 'alice' })
        assert.equal(listed.filter((session) => session.id === current.id).length, 1)
        assert.equal(listed.find((session) => session.id === current.id)?.lastSeenAt, 99)
        const removed = await store.deleteBy({ issuer: ISSUER, sid: 'sid-1' })
        assert.deepEqual(sorted(removed), sorted([current.id, s.aliceSid1Again.id]))
      }),
    )

    it(
      'moves a session between index entries when a set changes its sub or sid',
      withStore(async (store) => {
        const s = await seed(store)
        await store.set({ ...s.aliceSid1, sub: 'bob', sid: 'sid-3' }, 60)
        assert.ok(!(await listedIds(store, ISSUER, 'alice')).includes(s.aliceSid1.id))
        assert.deepEqual(
          await listedIds(store, ISSUER, 'bob'),
          sorted([s.aliceSid1.id, s.bobSid3.id]),
        )
        assert.deepEqual(await store.deleteBy({ issuer: ISSUER, sid: 'sid-1' }), [
          s.aliceSid1Again.id,
        ])
      }),
    )

    it(
      'never brings an expired session back from listBy or deleteBy',
      withStore(async (store, clock) => {
        const old = createTestSession({ sid: 'sid-x' })
        const old2 = createTestSession({ sid: 'sid-y' })
        await store.set(old, 1)
        await store.set(old2, 1)
        await clock.advance(1000)
        const fresh = createTestSession({ sid: 'sid-x' })
        await store.set(fresh, 60)
        assert.deepEqual(await listedIds(store, ISSUER, 'alice'), [fresh.id])
        assert.deepEqual(await store.deleteBy({ issuer: ISSUER, sid: 'sid-y' }), [])
        assert.deepEqual(await store.deleteBy({ issuer: ISSUER, sid: 'sid-x' }), [fresh.id])
        assert.deepEqual(await store.deleteBy({ issuer: ISSUER, sub: 'alice' }), [])
        assert.equal(await store.get(old.id), undefined)
      }),
    )

    it(
      'keeps a live session indexed after another of the same user expired',
      withStore(async (store, clock) => {
        const short = createTestSession({ sid: 'sid-z' })
        const long = createTestSession({ sid: 'sid-z' })
        await store.set(long, 30)
        await store.set(short, 1)
        await clock.advance(1000)
        assert.deepEqual(await listedIds(store, ISSUER, 'alice'), [long.id])
        assert.deepEqual(await store.deleteBy({ issuer: ISSUER, sid: 'sid-z' }), [long.id])
      }),
    )
  })
}
