import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { randomId } from '../crypto/random-id.ts'
import { isCoatcheckError } from '../errors/coatcheck-error.ts'
import { CookieJar } from '../http/cookies.ts'
import { createMemoryStore } from './memory-store.ts'
import { createServerSessions } from './server-sessions.ts'
import type { Session } from './session.ts'
import type { SessionStore } from './session-store.ts'
import type { CoatcheckEvent } from '../events/coatcheck-event.ts'

const NAME = '__Host-Http-coatcheck'
const START = 1_700_000_000_000

function makeSession(overrides: Partial<Session> = {}): Session {
  return {
    id: randomId(),
    issuer: 'https://idp.example',
    sub: 'alice',
    claims: { sub: 'alice' },
    tokens: { accessToken: 'a'.repeat(1200), tokenType: 'Bearer', refreshToken: 'r'.repeat(64) },
    version: 1,
    createdAt: START,
    lastSeenAt: START,
    expiresAt: START + 8 * 3_600_000,
    ...overrides,
  }
}

/** Sessions over a memory store whose `update` fails while `setDown(true)`. */
function withFlakyUpdates() {
  const memory = createMemoryStore({ now: () => START })
  let down = false
  const flaky: SessionStore = {
    ...memory,
    update: (...args) => (down ? Promise.reject(new Error('ETIMEDOUT')) : memory.update(...args)),
  }
  const sessions = createServerSessions({
    store: flaky,
    cookie: { name: NAME, sameSite: 'Strict' },
    now: () => START,
  })
  return { memory, sessions, setDown: (value: boolean) => (down = value) }
}

/** A store that records the calls made to it, to show which ones never happen. */
function spyStore(inner: SessionStore = createMemoryStore()) {
  const calls: string[] = []
  const store: SessionStore = {
    get: (id) => (calls.push(`get ${id}`), inner.get(id)),
    set: (session, ttl) => (calls.push(`set ${session.id} ${ttl}`), inner.set(session, ttl)),
    update: (session, expected, ttl) => (
      calls.push(`update ${session.id} ${expected} ${ttl}`),
      inner.update(session, expected, ttl)
    ),
    delete: (id) => (calls.push(`delete ${id}`), inner.delete(id)),
    deleteBy: (filter) => (
      calls.push(`deleteBy ${JSON.stringify(filter)}`),
      inner.deleteBy(filter)
    ),
    listBy: (filter) => inner.listBy(filter),
    lock: (key, leaseMs) => inner.lock(key, leaseMs),
    seenOnce: (key, ttl) => inner.seenOnce(key, ttl),
    close: () => (calls.push('close'), inner.close()),
  }
  return { store, calls }
}

function setup(cookie: { domain?: string; partitioned?: boolean } = {}) {
  const time = { now: START }
  const spy = spyStore(createMemoryStore({ now: () => time.now }))
  const sessions = createServerSessions({
    store: spy.store,
    cookie: { name: NAME, sameSite: 'Strict', ...cookie },
    now: () => time.now,
  })
  return { time, sessions, ...spy }
}

/** The request a browser sends after receiving `jar`'s Set-Cookie headers. */
function nextRequest(jar: CookieJar): CookieJar {
  const pairs = jar.setCookieHeaders().filter((header) => !/; Max-Age=0(;|$)/.test(header))
  return new CookieJar(pairs.map((header) => header.split(';')[0]).join('; ') || null)
}

describe('createServerSessions', () => {
  it('sets a Secure, HttpOnly, Path=/, SameSite=Strict cookie of just the id (C-01..C-05, C-08)', async () => {
    const { sessions } = setup()
    const session = makeSession()
    const jar = new CookieJar(null)
    await sessions.save(session, jar)
    assert.deepEqual(jar.setCookieHeaders(), [
      `${NAME}=${session.id}; Max-Age=28800; Path=/; Secure; HttpOnly; SameSite=Strict`,
    ])
  })

  it('keeps the cookie name+value within 120 bytes whatever the tokens weigh (C-08, C-10)', async () => {
    const { sessions } = setup()
    const jar = new CookieJar(null)
    await sessions.save(
      makeSession({ tokens: { accessToken: 'a'.repeat(9000), tokenType: 'Bearer' } }),
      jar,
    )
    const [header] = jar.setCookieHeaders()
    const pair = header!.split(';')[0]!
    assert.ok(Buffer.byteLength(pair) - 1 <= 120, `${Buffer.byteLength(pair)} bytes`)
    assert.equal(Buffer.byteLength(pair), NAME.length + 1 + 22)
  })

  it('refuses at creation a __Host- cookie name with a Domain (C-05)', () => {
    assert.throws(() => setup({ domain: 'example.com' }), TypeError)
  })

  it('writes Domain and Partitioned only when configured (C-04, C-17)', async () => {
    const sessions = createServerSessions({
      store: createMemoryStore(),
      cookie: { name: '__Secure-s', sameSite: 'None', domain: 'example.com', partitioned: true },
      now: () => START,
    })
    const session = makeSession()
    const jar = new CookieJar(null)
    await sessions.save(session, jar)
    assert.deepEqual(jar.setCookieHeaders(), [
      `__Secure-s=${session.id}; Max-Age=28800; Domain=example.com; Path=/; Secure; HttpOnly; SameSite=None; Partitioned`,
    ])
  })

  it('loads the session its cookie points to in the next request, without renew', async () => {
    const { sessions } = setup()
    const session = makeSession()
    const jar = new CookieJar(null)
    await sessions.save(session, jar)
    assert.deepEqual(await sessions.load(nextRequest(jar)), { session, renew: false })
  })

  it('stores the session for its remaining absolute lifetime (C-12)', async () => {
    const { sessions, calls, time } = setup()
    const session = makeSession()
    time.now += 3_600_000
    await sessions.save(session, new CookieJar(null))
    assert.deepEqual(calls, [`set ${session.id} 25200`])
  })

  it('caps the cookie Max-Age at 400 days (C-11)', async () => {
    const { sessions } = setup()
    const jar = new CookieJar(null)
    await sessions.save(makeSession({ expiresAt: START + 500 * 86_400_000 }), jar)
    assert.match(jar.setCookieHeaders()[0]!, /; Max-Age=34560000;/)
  })

  it('never asks the store about a cookie that is not a 22-character base64url id', async () => {
    const { sessions, calls } = setup()
    for (const value of ['', 'short', 'A'.repeat(23), `${'A'.repeat(21)}.`, "' OR 1=1 --", '*']) {
      assert.equal(
        await sessions.load(new CookieJar(`${NAME}=${encodeURIComponent(value)}`)),
        undefined,
      )
    }
    assert.equal(await sessions.load(new CookieJar(null)), undefined)
    assert.deepEqual(calls, [])
  })

  it('treats an unknown id as no session', async () => {
    const { sessions } = setup()
    assert.equal(await sessions.load(new CookieJar(`${NAME}=${randomId()}`)), undefined)
  })

  it('ends the session at expiresAt even if the store still holds it (C-12)', async () => {
    const { time } = setup()
    const store = createMemoryStore({ now: () => START })
    const sessions = createServerSessions({
      store,
      cookie: { name: NAME, sameSite: 'Strict' },
      now: () => time.now,
    })
    const session = makeSession()
    const jar = new CookieJar(null)
    await sessions.save(session, jar)
    time.now = session.expiresAt
    assert.equal(await sessions.load(nextRequest(jar)), undefined)
  })

  it('refuses a session the store returns under another id', async () => {
    const victim = makeSession()
    const store: SessionStore = { ...createMemoryStore(), get: async () => victim }
    const sessions = createServerSessions({
      store,
      cookie: { name: NAME, sameSite: 'Strict' },
      now: () => START,
    })
    assert.equal(await sessions.load(new CookieJar(`${NAME}=${randomId()}`)), undefined)
  })

  it('destroys instead of saving a session whose absolute lifetime has passed', async () => {
    const { sessions, calls } = setup()
    const session = makeSession({ expiresAt: START })
    const jar = new CookieJar(null)
    await sessions.save(session, jar)
    assert.deepEqual(calls, [`delete ${session.id}`])
    assert.deepEqual(jar.setCookieHeaders(), [
      `${NAME}=; Max-Age=0; Path=/; Secure; HttpOnly; SameSite=Strict`,
    ])
  })

  it('refuses to save a session whose id is not from randomId()', async () => {
    const { sessions } = setup()
    await assert.rejects(
      sessions.save(makeSession({ id: 'alice' }), new CookieJar(null)),
      TypeError,
    )
  })

  it('destroy deletes the session and expires its cookie with the same attributes', async () => {
    const { sessions, calls } = setup()
    const session = makeSession()
    const first = new CookieJar(null)
    await sessions.save(session, first)
    const request = nextRequest(first)
    await sessions.destroy(session, request)
    assert.deepEqual(calls.slice(1), [`delete ${session.id}`])
    assert.deepEqual(request.setCookieHeaders(), [
      `${NAME}=; Max-Age=0; Path=/; Secure; HttpOnly; SameSite=Strict`,
    ])
    assert.equal(await sessions.load(nextRequest(first)), undefined)
  })

  it('destroy without a loaded session still deletes the id the browser presents', async () => {
    const { sessions, calls } = setup()
    const id = randomId()
    const jar = new CookieJar(`${NAME}=${id}`)
    await sessions.destroy(undefined, jar)
    assert.deepEqual(calls, [`delete ${id}`])
    assert.equal(jar.setCookieHeaders().length, 1)
  })

  it('reports every failing store call as store_unavailable and a store_error event, never as a missing session', async () => {
    const fail = async () => {
      throw new Error('ECONNREFUSED')
    }
    const broken: SessionStore = {
      ...createMemoryStore(),
      get: fail,
      set: fail,
      update: fail,
      delete: fail,
      lock: fail,
      seenOnce: fail,
    }
    const events: CoatcheckEvent[] = []
    const sessions = createServerSessions({
      store: broken,
      cookie: { name: NAME, sameSite: 'Strict' },
      now: () => START,
      onEvent: (event) => events.push(event),
    })
    const session = makeSession()
    const calls = [
      () => sessions.load(new CookieJar(`${NAME}=${randomId()}`)),
      () => sessions.save(session, new CookieJar(null)),
      () => sessions.replace({ ...session, version: 2 }, 1),
      () => sessions.reload(session),
      () => sessions.destroy(session, new CookieJar(null)),
      () => sessions.lock('refresh:x', 1000),
      () => sessions.seenOnce('login:x', 60),
    ]
    for (const call of calls) {
      await assert.rejects(
        call(),
        (error: unknown) =>
          isCoatcheckError(error) && error.code === 'store_unavailable' && error.status === 503,
      )
    }
    assert.deepEqual(
      events,
      calls.map(() => ({ type: 'store_error' })),
    )
  })

  it('writes back a refreshed session whose write failed on the next read, so the rotated refresh token survives the outage (R-04)', async () => {
    const { memory, sessions, setDown } = withFlakyUpdates()
    const jar = new CookieJar(null)
    const original = makeSession()
    await sessions.save(original, jar)
    const refreshed = {
      ...original,
      tokens: { ...original.tokens, refreshToken: 'rotated' },
      version: 2,
    }
    setDown(true)
    await assert.rejects(sessions.replace(refreshed, 1), { code: 'store_unavailable' })
    // A touch (same version) is not a refresh: nothing to keep.
    await assert.rejects(sessions.replace({ ...original, lastSeenAt: START + 1 }, 1))
    setDown(false)

    const cookieJar = new CookieJar(`${NAME}=${original.id}`)
    assert.deepEqual((await sessions.load(cookieJar))?.session, refreshed)
    assert.deepEqual(await memory.get(original.id), refreshed, 'written to the store')
    assert.deepEqual(await sessions.reload(original), refreshed)
  })

  it('drops a failed refresh write when the stored session moved on or ended', async () => {
    const { memory, sessions, setDown } = withFlakyUpdates()
    const original = makeSession()
    await sessions.save(original, new CookieJar(null))
    setDown(true)
    await assert.rejects(sessions.replace({ ...original, version: 2 }, 1))
    setDown(false)
    // Another instance refreshed first: its tokens are the valid ones.
    const elsewhere = { ...original, tokens: { ...original.tokens, refreshToken: 'b' }, version: 2 }
    await memory.set(elsewhere, 60)
    assert.deepEqual(await sessions.reload(original), elsewhere)
    assert.deepEqual(await memory.get(original.id), elsewhere)
  })

  it('passes seenOnce to the store and closes it', async () => {
    const { sessions, calls } = setup()
    assert.equal(await sessions.seenOnce('state-1', 60), true)
    assert.equal(await sessions.seenOnce('state-1', 60), false)
    await sessions.close()
    assert.deepEqual(calls, ['close'])
  })
})
