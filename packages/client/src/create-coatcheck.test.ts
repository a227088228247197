import { afterEach, beforeEach, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createCoatcheck } from './create-coatcheck.ts'
import type { Coatcheck, CoatcheckOptions } from './coatcheck.ts'
import type { SessionState } from './session-state.ts'
import {
  BASE,
  FakeBroadcastChannel,
  aliceSession,
  createFakeCoatcheck,
  createFakeLocation,
  flush,
  json,
  replaceGlobal,
  trapStorage,
  type FakeCoatcheck,
  type FakeLocation,
} from '../test/support/fakes.ts'

let restores: (() => void)[] = []
let clients: Coatcheck<unknown>[] = []
let location: FakeLocation

beforeEach(() => {
  FakeBroadcastChannel.reset()
  location = createFakeLocation()
  restores = [
    replaceGlobal('BroadcastChannel', FakeBroadcastChannel),
    replaceGlobal('location', location),
  ]
})

afterEach(() => {
  for (const client of clients) client.close()
  clients = []
  for (const restore of restores.reverse()) restore()
})

function create<A = undefined>(
  fake: FakeCoatcheck,
  options: Partial<CoatcheckOptions<A>> = {},
): Coatcheck<A> {
  const client = createCoatcheck<A>({ baseUrl: BASE, fetch: fake.fetch, events: false, ...options })
  clients.push(client)
  return client
}

/** Subscribes and records every snapshot the listener is told about. */
function watch(client: Coatcheck<unknown>): SessionState[] {
  const seen: SessionState[] = []
  client.subscribe(() => seen.push(client.getSnapshot()))
  return seen
}

describe('session state', () => {
  it('starts loading and sends nothing before the first subscriber', async () => {
    const fake = createFakeCoatcheck()
    const client = create(fake)
    await flush()
    assert.deepEqual(client.getSnapshot(), { status: 'loading' })
    assert.equal(fake.requests.length, 0)
  })

  it('becomes authenticated with the user and expiry that GET /auth/session answers', async () => {
    const fake = createFakeCoatcheck()
    const client = create(fake)
    const seen = watch(client)
    await flush()
    assert.deepEqual(seen, [
      {
        status: 'authenticated',
        user: { sub: 'alice', name: 'Alice', roles: ['editor'] },
        expiresAt: 1_900_000_000_000,
      },
    ])
    assert.equal(fake.requests[0]?.url, `${BASE}/auth/session`)
  })

  it('keeps the same frozen snapshot while nothing changes', async () => {
    const fake = createFakeCoatcheck()
    const client = create(fake)
    const seen = watch(client)
    const first = await client.refresh()
    assert.equal(client.getSnapshot(), first)
    assert.equal(await client.refresh(), first)
    assert.equal(seen.length, 1)
    assert.ok(Object.isFrozen(first))
    assert.ok(first.status === 'authenticated' && Object.isFrozen(first.user.roles))
  })

  it('is anonymous when there is no session', async () => {
    const client = create(createFakeCoatcheck(null))
    assert.deepEqual(await client.refresh(), { status: 'anonymous' })
  })

  it('ends (not anonymous) when a session this page had is gone at the next refresh', async () => {
    const fake = createFakeCoatcheck()
    const client = create(fake)
    await client.refresh()
    fake.session = null
    assert.deepEqual(await client.refresh(), { status: 'ended', reason: 'unauthenticated' })
  })

  it('reports a server error with its code and status, without throwing', async () => {
    const fake = createFakeCoatcheck()
    fake.routes.set('/auth/session', () =>
      json({ error: 'store_unavailable', message: 'The session store is down.' }, 503),
    )
    const state = await create(fake).refresh()
    assert.equal(state.status, 'error')
    assert.equal(state.status === 'error' && state.error.code, 'store_unavailable')
    assert.equal(state.status === 'error' && state.error.status, 503)
  })

  it('reports a network failure as network_error', async () => {
    const fake = createFakeCoatcheck()
    fake.routes.set('/auth/session', () => {
      throw new TypeError('fetch failed')
    })
    const state = await create(fake).refresh()
    assert.equal(state.status === 'error' && state.error.code, 'network_error')
  })

  it('refuses a 200 that is not a session', async () => {
    const fake = createFakeCoatcheck()
    fake.routes.set('/auth/session', () => json({ authenticated: 'yes' }))
    const state = await create(fake).refresh()
    assert.equal(state.status === 'error' && state.error.code, 'unexpected_response')
  })

  it('drops a session answer that raced a session end', async () => {
    const fake = createFakeCoatcheck()
    const client = create(fake)
    await client.refresh()
    let answer: (response: Response) => void = () => {}
    fake.routes.set('/auth/session', () => new Promise<Response>((resolve) => (answer = resolve)))
    const refreshing = client.refresh()
    await flush()
    const other = new FakeBroadcastChannel('coatcheck')
    other.postMessage({ type: 'ended', reason: 'logout' })
    await flush()
    answer(json(aliceSession()))
    assert.deepEqual(await refreshing, { status: 'ended', reason: 'logout' })
  })
})

describe('requests to Coatcheck', () => {
  it('always sends the cookie and the anti-CSRF header', async () => {
    const fake = createFakeCoatcheck()
    const client = create(fake)
    await client.refresh()
    await client.fetch('/api/articles', { headers: { 'x-csrf': 'forged' } })
    await client.logout()
    assert.equal(fake.requests.length, 3)
    for (const request of fake.requests) {
      assert.equal(request.credentials, 'include')
      assert.equal(request.headers.get('x-csrf'), '1')
    }
  })

  it('sends the configured anti-CSRF header name and value', async () => {
    const fake = createFakeCoatcheck()
    const client = create(fake, { csrfHeader: { name: 'x-requested-by', value: 'spa' } })
    await client.refresh()
    assert.equal(fake.requests[0]?.headers.get('x-requested-by'), 'spa')
    assert.equal(fake.requests[0]?.headers.has('x-csrf'), false)
  })

  it('resolves relative URLs against baseUrl, keeping its path', async () => {
    const fake = createFakeCoatcheck()
    const client = create(fake, { baseUrl: `${BASE}/bff/` })
    await client.fetch('/api/articles?draft=1')
    await client.fetch('api/comments')
    await client.fetch('//evil.example/steal')
    assert.deepEqual(
      fake.requests.map((request) => request.url),
      [
        `${BASE}/bff/api/articles?draft=1`,
        `${BASE}/bff/api/comments`,
        `${BASE}/bff/evil.example/steal`,
      ],
    )
  })

  it('refuses to send the cookie and CSRF header to another origin', async () => {
    const fake = createFakeCoatcheck()
    const client = create(fake)
    await assert.rejects(client.fetch('https://evil.example/api'), TypeError)
    await assert.rejects(client.fetch(new Request('https://evil.example/api')), TypeError)
    assert.equal(fake.requests.length, 0)
  })

  it('keeps the method, body and headers of a Request', async () => {
    const fake = createFakeCoatcheck()
    const client = create(fake)
    const request = new Request(`${BASE}/api/articles`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"title":"Hi"}',
    })
    await client.fetch(request)
    const sent = fake.requests[0]
    assert.equal(sent?.method, 'POST')
    assert.equal(sent?.headers.get('content-type'), 'application/json')
    assert.equal(sent?.headers.get('x-csrf'), '1')
    assert.equal(await sent?.text(), '{"title":"Hi"}')
  })

  it('turns a 401 unauthenticated into ended, here and in the other tabs, and still returns it', async () => {
    const fake = createFakeCoatcheck()
    const tab1 = create(fake)
    const tab2 = create(fake)
    await tab1.refresh()
    await tab2.refresh()
    fake.session = null
    const response = await tab1.fetch('/api/articles')
    assert.equal(response.status, 401)
    assert.deepEqual(await response.json(), { error: 'unauthenticated', message: 'No session.' })
    assert.deepEqual(tab1.getSnapshot(), { status: 'ended', reason: 'unauthenticated' })
    await flush()
    assert.deepEqual(tab2.getSnapshot(), { status: 'ended', reason: 'unauthenticated' })
  })

  it("leaves the session alone on an API's own 401 or a 403", async () => {
    const fake = createFakeCoatcheck()
    fake.routes.set('/api/upstream-401', () => json({ error: 'invalid_token' }, 401))
    fake.routes.set('/api/forbidden', () => json({ error: 'forbidden' }, 403))
    const client = create(fake)
    const before = await client.refresh()
    assert.equal((await client.fetch('/api/upstream-401')).status, 401)
    assert.equal((await client.fetch('/api/forbidden')).status, 403)
    assert.equal(client.getSnapshot(), before)
  })
})

describe('login and logout', () => {
  it('navigates to /auth/login with returnTo, prompt and login_hint', () => {
    const client = create(createFakeCoatcheck(), { baseUrl: `${BASE}/bff` })
    client.login()
    client.login({ returnTo: 'https://app.example.test/done', prompt: 'login', loginHint: 'bob' })
    const [first, second] = location.assigned.map((href) => new URL(href))
    assert.equal(first?.origin + first!.pathname, `${BASE}/bff/auth/login`)
    assert.equal(first?.searchParams.get('returnTo'), location.href)
    assert.deepEqual(Object.fromEntries(second!.searchParams), {
      returnTo: 'https://app.example.test/done',
      prompt: 'login',
      login_hint: 'bob',
    })
  })

  it('posts the logout, becomes anonymous, ends the other tabs and follows logoutUrl', async () => {
    const fake = createFakeCoatcheck()
    const tab1 = create(fake)
    const tab2 = create(fake)
    await tab1.refresh()
    await tab2.refresh()
    await tab1.logout({ returnTo: 'https://app.example.test/bye' })
    const sent = fake.requests.at(-1)
    assert.equal(sent?.method, 'POST')
    assert.equal(sent?.headers.get('content-type'), 'application/json')
    assert.deepEqual(await sent?.json(), { returnTo: 'https://app.example.test/bye' })
    assert.deepEqual(tab1.getSnapshot(), { status: 'anonymous' })
    assert.deepEqual(location.assigned, ['https://idp.example.test/logout?state=s'])
    await flush()
    assert.deepEqual(tab2.getSnapshot(), { status: 'ended', reason: 'logout' })
  })

  it('rejects a failed logout with its code and keeps the session', async () => {
    const fake = createFakeCoatcheck()
    fake.routes.set('/auth/logout', () => json({ error: 'server_error', message: 'Oops.' }, 500))
    const client = create(fake)
    const before = await client.refresh()
    await assert.rejects(client.logout(), { code: 'server_error', status: 500 })
    assert.equal(client.getSnapshot(), before)
    assert.deepEqual(location.assigned, [])
  })

  it('refuses to navigate to a logoutUrl that is not http(s)', async () => {
    const fake = createFakeCoatcheck()
    fake.routes.set('/auth/logout', () => json({ logoutUrl: 'javascript:alert(1)' }))
    const client = create(fake)
    await client.refresh()
    await assert.rejects(client.logout(), { code: 'unexpected_response' })
    assert.deepEqual(location.assigned, [])
  })
})

describe('cross-tab sync', () => {
  it('refreshes when another tab logs in, and not when it is the same user', async () => {
    const fake = createFakeCoatcheck(null)
    const tab1 = create(fake)
    const tab2 = create(fake)
    await tab1.refresh()
    await tab2.refresh()
    fake.session = aliceSession()
    await tab1.refresh()
    await flush()
    assert.equal(tab2.getSnapshot().status, 'authenticated')
    const requests = fake.requests.length
    new FakeBroadcastChannel('coatcheck').postMessage({ type: 'login', sub: 'alice' })
    await flush()
    assert.equal(fake.requests.length, requests, 'both tabs already know alice')
  })

  it('ignores malformed messages', async () => {
    const fake = createFakeCoatcheck()
    const client = create(fake)
    const before = await client.refresh()
    const other = new FakeBroadcastChannel('coatcheck')
    other.postMessage({ type: 'ended' })
    other.postMessage('ended')
    other.postMessage({ type: 'refreshed', expiresAt: 'never' })
    await flush()
    assert.equal(client.getSnapshot(), before)
  })

  it('talks only to tabs on the same channel name', async () => {
    const fake = createFakeCoatcheck()
    const tab1 = create(fake, { broadcastChannelName: 'app-a' })
    const tab2 = create(fake, { broadcastChannelName: 'app-b' })
    await tab1.refresh()
    await tab2.refresh()
    await tab1.logout()
    await flush()
    assert.equal(tab2.getSnapshot().status, 'authenticated')
  })
})

describe('options and lifecycle', () => {
  it('rejects a baseUrl that is not http(s), or a path outside a page', () => {
    for (const baseUrl of ['ftp://bff.example', 'https://bff.example/?x=1', 'https://bff#x']) {
      assert.throws(() => createCoatcheck({ baseUrl }), TypeError, baseUrl)
    }
    restores.push(replaceGlobal('location', undefined))
    for (const baseUrl of ['/bff', 'not a url']) {
      assert.throws(() => createCoatcheck({ baseUrl }), TypeError, baseUrl)
    }
  })

  it('resolves a path baseUrl against the page', async () => {
    const fake = createFakeCoatcheck()
    const client = create(fake, { baseUrl: '/bff' })
    await client.fetch('api/x')
    assert.equal(fake.requests[0]?.url, 'https://app.example.test/bff/api/x')
  })

  it('rejects an invalid CSRF header', () => {
    assert.throws(
      () => createCoatcheck({ baseUrl: BASE, csrfHeader: { name: 'bad header', value: '1' } }),
      TypeError,
    )
  })

  it('stops telling listeners after close()', async () => {
    const fake = createFakeCoatcheck()
    const client = create(fake)
    const seen = watch(client)
    client.close()
    await flush()
    assert.deepEqual(seen, [])
    assert.equal(FakeBroadcastChannel.open.size, 0)
  })

  it('never touches storage or cookies from script', async () => {
    const { touched, restore } = trapStorage()
    try {
      const fake = createFakeCoatcheck()
      const client = create(fake)
      await client.refresh()
      await client.fetch('/api/articles')
      client.login()
      await client.logout()
      await client.refresh()
      assert.deepEqual(touched, [])
    } finally {
      restore()
    }
  })
})
