import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { signIn } from '@coatcheck/dev-idp'
import { ConfigError, createMemoryStore, parseConfig, type SessionStore } from '../src/index.ts'
import { randomKey, startHarness, type Harness, type TestBrowser } from './support/harness.ts'
import { openEvents, readEventStream } from './support/event-stream.ts'
import { startUpstream, type Upstream } from './support/upstream.ts'

const FIREFOX = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0'
const OPERATOR_TOKEN = 'operator-secret-0123456789abcdefghijklmnop'

interface Listed {
  id: string
  createdAt: number
  lastSeenAt: number
  userAgent: string
  current: boolean
}

/** A login whose callback carries a User-Agent, as a real browser's would. */
async function loginWith(
  browser: TestBrowser,
  userAgent: string,
  credentials = { username: 'alice', password: 'wonderland' },
) {
  const start = await browser.navigate('/auth/login')
  const callback = await signIn(
    start.headers.get('location') ?? '',
    credentials,
    browser.idpSession,
  )
  const done = await browser.navigate(callback, {
    site: 'cross-site',
    headers: { 'user-agent': userAgent },
  })
  assert.equal(done.status, 303)
}

async function listSessions(browser: TestBrowser): Promise<Listed[]> {
  const response = await browser.fetch('/auth/sessions')
  assert.equal(response.status, 200)
  assert.equal(response.headers.get('cache-control'), 'no-store')
  return ((await response.json()) as { sessions: Listed[] }).sessions
}

const isLoggedIn = async (browser: TestBrowser) =>
  (await browser.fetch('/auth/session')).status === 200

describe('session control (GET and DELETE /auth/sessions)', () => {
  let harness: Harness
  let store: SessionStore
  before(async () => {
    store = createMemoryStore()
    harness = await startHarness({
      coatcheck: { store, eventPingIntervalMs: 50 },
      config: { operator: { token: OPERATOR_TOKEN } },
    })
  })
  after(() => harness.close())

  it("lists the user's own live sessions with opaque handles, never ids (C-14)", async () => {
    const laptop = harness.browser()
    const phone = harness.browser()
    const other = harness.browser()
    await loginWith(laptop, FIREFOX)
    await loginWith(phone, 'Mozilla/5.0 (Linux; Android 14) Chrome/130.0.0.0 Mobile Safari/537.36')
    await loginWith(other, FIREFOX, { username: 'bob', password: 'builder' })

    const sessions = await listSessions(laptop)
    assert.equal(sessions.length >= 2, true)
    const [current, ...rest] = sessions
    assert.equal(current?.current, true)
    assert.equal(current?.userAgent, 'Firefox on Linux')
    assert.ok(rest.some((session) => session.userAgent === 'Chrome on Android'))
    assert.ok(rest.every((session) => !session.current))
    const body = JSON.stringify(sessions)
    for (const browser of [laptop, phone, other]) {
      for (const value of browser.cookies.values()) assert.ok(!body.includes(value))
    }
    const bobs = await listSessions(other)
    assert.equal(bobs.length, 1, 'only his own')
    assert.ok(!sessions.some((session) => session.id === bobs[0]?.id))
  })

  it("ends one of the user's own sessions and pushes session-ended to its stream; anything else is 404", async () => {
    const laptop = harness.browser()
    const phone = harness.browser()
    const other = harness.browser()
    await loginWith(laptop, FIREFOX)
    await loginWith(phone, FIREFOX)
    await loginWith(other, FIREFOX, { username: 'bob', password: 'builder' })
    const phoneHandle = (await listSessions(phone))[0]?.id ?? ''
    const bobHandle = (await listSessions(other))[0]?.id ?? ''

    const events = await openEvents(harness.coatcheck, phone)
    assert.equal(events.status, 200)
    assert.match(events.headers.get('content-type') ?? '', /^text\/event-stream/)
    const stream = readEventStream(events.body!)
    await stream.until((text) => text.startsWith(': ping\n\n'))

    const forged = await laptop.fetch(`/auth/sessions/${phoneHandle}`, {
      method: 'DELETE',
      csrf: false,
    })
    assert.equal(forged.status, 403, 'CSRF-checked like every SPA endpoint (X-02)')
    assert.equal(
      (await laptop.fetch(`/auth/sessions/${bobHandle}`, { method: 'DELETE' })).status,
      404,
    )
    assert.equal((await laptop.fetch('/auth/sessions/unknown', { method: 'DELETE' })).status, 404)
    assert.equal(await isLoggedIn(other), true, "bob's session is not the user's to end")

    const ended = await laptop.fetch(`/auth/sessions/${phoneHandle}`, { method: 'DELETE' })
    assert.equal(ended.status, 204)
    await stream.ended()
    assert.deepEqual(stream.events(), [
      { event: 'session-ended', data: { reason: 'ended_by_user' } },
    ])
    assert.equal(await isLoggedIn(phone), false)
    assert.equal(await isLoggedIn(laptop), true)
  })

  it('pings open streams and answers 401 JSON without a session', async () => {
    const browser = harness.browser()
    const none = await browser.fetch('/auth/events')
    assert.equal(none.status, 401)
    assert.equal(((await none.json()) as { error: string }).error, 'unauthenticated')
    assert.equal((await browser.fetch('/auth/events', { csrf: false })).status, 403)

    await browser.login()
    const stream = readEventStream((await openEvents(harness.coatcheck, browser)).body!)
    await stream.until((text) => text.split(': ping\n\n').length > 3)
    await stream.cancel()
  })

  it('ends the stream with session-ended on logout (O-02)', async () => {
    const browser = harness.browser()
    await browser.login()
    const stream = readEventStream((await openEvents(harness.coatcheck, browser)).body!)
    await stream.until((text) => text.length > 0)
    assert.equal((await browser.fetch('/auth/logout', { method: 'POST' })).status, 200)
    await stream.ended()
    assert.deepEqual(stream.events(), [{ event: 'session-ended', data: { reason: 'logout' } }])
  })
})

describe('operator API', () => {
  it('is off by default: 404', async () => {
    const harness = await startHarness()
    try {
      const response = await harness.coatcheck.handle(
        new Request('https://bff.example.test/auth/operator/sessions?sub=x', {
          headers: { authorization: `Bearer ${OPERATOR_TOKEN}` },
        }),
      )
      assert.equal(response.status, 404)
    } finally {
      await harness.close()
    }
  })

  it('refuses a credential shorter than 32 characters at start-up', () => {
    const config = {
      publicUrl: 'https://bff.example.test',
      keys: [randomKey()],
      idp: { issuer: 'https://idp.example.test', clientId: 'c', clientSecret: 's' },
      spa: { url: 'https://app.example.test/' },
    }
    assert.throws(
      () => parseConfig({ ...config, operator: { token: 'short' } }),
      (error) => error instanceof ConfigError && error.message.includes('operator.token'),
    )
    assert.equal(
      parseConfig({ ...config, operator: { token: OPERATOR_TOKEN } }).operator.token,
      OPERATOR_TOKEN,
    )
  })

  it('lists and ends every session of a user with the credential, 401 without it', async () => {
    const harness = await startHarness({ config: { operator: { token: OPERATOR_TOKEN } } })
    try {
      const first = harness.browser()
      const second = harness.browser()
      const bob = harness.browser()
      await first.login()
      await second.login()
      await bob.login({ username: 'bob', password: 'builder' })
      const sub = ((await (await first.fetch('/auth/session')).json()) as { user: { sub: string } })
        .user.sub
      const stream = readEventStream((await openEvents(harness.coatcheck, second)).body!)

      const call = (method: string, token = OPERATOR_TOKEN, query = `?sub=${sub}`) =>
        harness.coatcheck.handle(
          new Request(`https://bff.example.test/auth/operator/sessions${query}`, {
            method,
            headers: { authorization: `Bearer ${token}` },
          }),
        )
      const wrong = await call('GET', `${OPERATOR_TOKEN}x`)
      assert.equal(wrong.status, 401)
      assert.match(wrong.headers.get('www-authenticate') ?? '', /^Bearer /)
      assert.equal((await call('DELETE', OPERATOR_TOKEN.slice(0, -1))).status, 401)
      assert.equal((await call('GET', OPERATOR_TOKEN, '')).status, 400)
      const listed = (await (await call('GET')).json()) as { sessions: Listed[] }
      assert.equal(listed.sessions.length, 2)

      const ended = await call('DELETE')
      assert.equal(ended.status, 200)
      assert.deepEqual(await ended.json(), { ended: 2 })
      await stream.ended()
      assert.deepEqual(stream.events(), [
        { event: 'session-ended', data: { reason: 'ended_by_operator' } },
      ])
      assert.equal(await isLoggedIn(first), false)
      assert.equal(await isLoggedIn(second), false)
      assert.equal(await isLoggedIn(bob), true)
    } finally {
      await harness.close()
    }
  })
})

describe('session control with the cookie store', () => {
  it('lists only the current session, which it can end', async () => {
    const harness = await startHarness({ config: { session: { store: 'cookie' } } })
    try {
      const browser = harness.browser()
      await browser.login()
      await harness.browser().login()
      const sessions = await listSessions(browser)
      assert.equal(sessions.length, 1)
      assert.equal(sessions[0]?.current, true)
      const ended = await browser.fetch(`/auth/sessions/${sessions[0]?.id}`, { method: 'DELETE' })
      assert.equal(ended.status, 204)
      assert.equal(await isLoggedIn(browser), false)
    } finally {
      await harness.close()
    }
  })
})

describe('event stream and token refresh', () => {
  let harness: Harness
  let upstream: Upstream
  let offset = 0
  before(async () => {
    upstream = await startUpstream()
    harness = await startHarness({
      idp: { ttl: { accessToken: 2 } },
      config: {
        tokens: { refreshSkewSeconds: 0 },
        routes: [{ path: '/api/echo', upstream: upstream.url }],
      },
      // Coatcheck's clock runs ahead on demand: the access token expires without a sleep.
      coatcheck: { now: () => Date.now() + offset },
    })
  })
  after(async () => {
    await harness.close()
    await upstream.close()
  })

  it('pushes session-refreshed with the new session end after a refresh (R-01)', async () => {
    const browser = harness.browser()
    await browser.login()
    const stream = readEventStream((await openEvents(harness.coatcheck, browser)).body!)
    await stream.until((text) => text.length > 0)
    offset += 3_000
    assert.equal((await browser.fetch('/api/echo/x')).status, 200)
    await stream.until((text) => text.includes('session-refreshed'))
    const [refreshed] = stream.events()
    const { expiresAt } = (await (await browser.fetch('/auth/session')).json()) as {
      expiresAt: number
    }
    assert.equal(refreshed?.event, 'session-refreshed')
    const pushed = (refreshed?.data as { expiresAt: number }).expiresAt
    // /auth/session just touched the session, which may move its idle end a little later.
    assert.ok(pushed <= expiresAt && pushed > Date.now() + offset, `${pushed} vs ${expiresAt}`)
    await stream.cancel()
  })

  it('pushes session-ended {reason: refresh_failed} when the IdP refuses the refresh token (R-02)', async () => {
    const browser = harness.browser()
    await browser.login()
    const { sub } = (
      (await (await browser.fetch('/auth/session')).json()) as {
        user: { sub: string }
      }
    ).user
    const stream = readEventStream((await openEvents(harness.coatcheck, browser)).body!)
    await stream.until((text) => text.length > 0)
    await harness.idp.revokeGrants(sub)
    offset += 3_000
    assert.equal((await browser.fetch('/api/echo/x')).status, 401)
    await stream.ended()
    assert.deepEqual(stream.events(), [
      { event: 'session-ended', data: { reason: 'refresh_failed' } },
    ])
  })
})

describe('event stream lifetime', () => {
  it('sends session-ended {reason: expired} when the idle timeout passes (C-12)', async () => {
    const harness = await startHarness({ config: { session: { idleTimeoutSeconds: 1 } } })
    try {
      const browser = harness.browser()
      await browser.login()
      const stream = readEventStream((await openEvents(harness.coatcheck, browser)).body!)
      await stream.ended(3_000)
      assert.deepEqual(stream.events(), [{ event: 'session-ended', data: { reason: 'expired' } }])
      assert.equal(await isLoggedIn(browser), false)
    } finally {
      await harness.close()
    }
  })

  it('ends every open stream on close(), so shutdown does not wait for them', async () => {
    const harness = await startHarness()
    const browser = harness.browser()
    await browser.login()
    const stream = readEventStream((await openEvents(harness.coatcheck, browser)).body!)
    await stream.until((text) => text.length > 0)
    await harness.close()
    await stream.ended(1_000)
    assert.deepEqual(stream.events(), [], 'no session-ended: the session goes on elsewhere')
  })
})
