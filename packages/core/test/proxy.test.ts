import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { startHarness, type Harness, type TestBrowser } from './support/harness.ts'
import { startUpstream, type Upstream } from './support/upstream.ts'

describe('the API proxy', () => {
  let harness: Harness
  let api: Upstream
  let canary: Upstream
  let browser: TestBrowser
  before(async () => {
    canary = await startUpstream()
    api = await startUpstream((request, response) => {
      request.resume()
      if (request.url?.startsWith('/v1/redirect')) {
        response.statusCode = 302
        response.setHeader('location', `${canary.url}/stolen`)
        response.end()
        return
      }
      response.setHeader('set-cookie', 'planted=1; Path=/')
      response.setHeader('content-type', 'application/json')
      response.end(JSON.stringify({ url: request.url }))
    })
    harness = await startHarness({
      config: {
        routes: [
          { path: '/api/orders', upstream: `${api.url}/v1`, methods: ['GET', 'POST'] },
          { path: '/api/public', upstream: `${api.url}/pub`, token: 'none' },
          { path: '/api/maybe', upstream: `${api.url}/maybe`, token: 'user-or-anonymous' },
        ],
      },
    })
    browser = harness.browser()
    await browser.login()
  })
  after(async () => {
    await harness.close()
    await api.close()
    await canary.close()
  })

  it('forwards below the route base with the user token and nothing of the browser’s credentials (P-01, P-04, P-05)', async () => {
    const response = await browser.fetch('/api/orders/42?x=1', {
      headers: {
        authorization: 'Bearer browser-supplied',
        dpop: 'forged',
        'x-forwarded-host': 'evil.example',
        'x-forwarded-for': '6.6.6.6',
        forwarded: 'for=6.6.6.6',
        'x-request-id': 'abc',
      },
    })
    assert.equal(response.status, 200)
    assert.deepEqual(await response.json(), { url: '/v1/42?x=1' })
    const seen = api.requests.at(-1)?.headers ?? {}
    assert.match(String(seen.authorization), /^Bearer ey/)
    assert.equal(seen.cookie, undefined, 'the session cookie stays at Coatcheck')
    assert.equal(seen.dpop, undefined)
    assert.equal(seen['x-csrf'], undefined)
    assert.equal(seen['x-forwarded-host'], 'bff.example.test')
    assert.equal(seen['x-forwarded-proto'], 'https')
    assert.equal(seen.forwarded, undefined)
    assert.notEqual(seen['x-forwarded-for'], '6.6.6.6')
    assert.equal(seen['x-request-id'], 'abc', 'ordinary headers pass')
  })

  it('drops upstream Set-Cookie and hop-by-hop headers (P-07)', async () => {
    const response = await browser.fetch('/api/orders/1')
    assert.equal(
      response.headers.getSetCookie().some((line) => line.startsWith('planted')),
      false,
    )
  })

  it('cannot be steered to another host by path tricks (P-02)', async () => {
    const host = new URL(canary.url).host
    const hits = api.requests.length
    for (const path of [
      `/api/orders/..%2f..%2f${host}`,
      `/api/orders/%2e%2e/%2e%2e/admin`,
      `/api/orders//${host}/x`,
      `/api/orders/%2F%2F${host}`,
      `/api/orders/%5c%5c${host}`,
      `/api/orders/..%5cadmin`,
      `/api/orders/@${host}`,
    ]) {
      const response = await browser.fetch(path)
      assert.ok(response.status >= 400 || response.status === 200, path)
      assert.ok(response.status < 500, `${path} → ${response.status}`)
    }
    // `/api/orders/../admin` is resolved by the URL parser before routing: not our route.
    assert.equal((await browser.fetch('/api/orders/../../admin')).status, 404)
    assert.equal(canary.requests.length, 0, 'the canary saw nothing')
    for (const request of api.requests.slice(hits)) {
      assert.ok(request.url.startsWith('/v1/'), `stayed below the route base: ${request.url}`)
    }
  })

  it('does not follow an upstream redirect with the token (P-06)', async () => {
    const response = await browser.fetch('/api/orders/redirect')
    assert.equal(response.status, 302)
    assert.equal(canary.requests.length, 0)
  })

  it('answers a method the route does not allow with 405 and no upstream call (P-03)', async () => {
    const hits = api.requests.length
    const response = await browser.fetch('/api/orders/1', { method: 'DELETE' })
    assert.equal(response.status, 405)
    assert.equal(((await response.json()) as { error: string }).error, 'method_not_allowed')
    assert.equal(api.requests.length, hits)
  })

  it('answers 401 JSON, never a redirect, without a session; none and user-or-anonymous routes need none', async () => {
    const anonymous = harness.browser()
    const hits = api.requests.length
    const response = await anonymous.fetch('/api/orders/1')
    assert.equal(response.status, 401)
    assert.equal(response.headers.get('location'), null)
    assert.equal(api.requests.length, hits)
    assert.equal((await anonymous.fetch('/api/public/x')).status, 200)
    assert.equal(api.requests.at(-1)?.headers.authorization, undefined)
    assert.equal((await anonymous.fetch('/api/maybe/x')).status, 200)
    assert.equal(api.requests.at(-1)?.headers.authorization, undefined)
    assert.equal((await browser.fetch('/api/maybe/x')).status, 200)
    assert.match(String(api.requests.at(-1)?.headers.authorization), /^Bearer /)
  })

  it('still requires the CSRF header and an allowed origin on every proxied call (X-02, X-06)', async () => {
    const hits = api.requests.length
    assert.equal((await browser.fetch('/api/public/x', { csrf: false })).status, 403)
    assert.equal(
      (await browser.fetch('/api/orders/1', { origin: 'https://evil.example', site: 'cross-site' }))
        .status,
      403,
    )
    assert.equal(api.requests.length, hits)
  })

  it('answers 502 JSON when the upstream is down', async () => {
    const down = await startHarness({
      config: { routes: [{ path: '/api/down', upstream: 'http://127.0.0.1:9', token: 'none' }] },
    })
    try {
      const response = await down.browser().fetch('/api/down/x')
      assert.equal(response.status, 502)
      assert.equal(((await response.json()) as { error: string }).error, 'upstream_unavailable')
    } finally {
      await down.close()
    }
  })
})
