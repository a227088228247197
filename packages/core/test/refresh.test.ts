import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import type { CoatcheckEvent } from '../src/index.ts'
import { startHarness, type Harness, type TestBrowser } from './support/harness.ts'
import { startUpstream, type Upstream } from './support/upstream.ts'

const STORES = ['memory', 'cookie'] as const

for (const store of STORES) {
  describe(`token refresh with the ${store} store`, () => {
    let harness: Harness
    let upstream: Upstream
    let offset = 0
    const events: CoatcheckEvent[] = []
    before(async () => {
      upstream = await startUpstream()
      harness = await startHarness({
        idp: { ttl: { accessToken: 2 } },
        config: {
          session: { store },
          tokens: { refreshSkewSeconds: 0 },
          routes: [{ path: '/api/echo', upstream: upstream.url }],
        },
        // Coatcheck's clock runs ahead on demand: the access token expires without a sleep.
        coatcheck: { now: () => Date.now() + offset, onEvent: (event) => events.push(event) },
      })
    })
    after(async () => {
      await harness.close()
      await upstream.close()
    })

    const refreshGrants = () =>
      harness.idp.grants.filter((g) => g.grantType === 'refresh_token').length
    const authorizationOf = (i: number) => upstream.requests[i]?.headers.authorization

    async function storm(browser: TestBrowser, calls: number) {
      const before = upstream.requests.length
      const responses = await Promise.all(
        Array.from({ length: calls }, (_, i) => browser.fetch(`/api/echo/item/${i}`)),
      )
      const statuses = responses.map((response) => response.status)
      assert.deepEqual(statuses, Array(calls).fill(200), `statuses ${statuses.join()}`)
      const tokens = new Set(upstream.requests.slice(before).map((r) => r.headers.authorization))
      return { responses, tokens }
    }

    it('refreshes exactly once for 50 parallel calls after expiry, and again next round (R-01, R-03, R-04)', async () => {
      const browser = harness.browser()
      await browser.login()
      assert.equal((await browser.fetch('/api/echo/first')).status, 200)
      const firstToken = authorizationOf(upstream.requests.length - 1)
      const grantsBefore = refreshGrants()

      offset += 3_000
      const round1 = await storm(browser, 50)
      assert.equal(refreshGrants() - grantsBefore, 1, 'one refresh grant at the IdP')
      assert.equal(round1.tokens.size, 1, 'every call carried the same new token')
      assert.ok(!round1.tokens.has(firstToken))
      if (store === 'cookie') {
        // Every response carries the refreshed session, so whichever the browser keeps works.
        for (const response of round1.responses)
          assert.ok(response.headers.getSetCookie().length > 0)
      }

      // Nothing was revoked: the rotated refresh token works for another round.
      offset += 3_000
      const round2 = await storm(browser, 50)
      assert.equal(refreshGrants() - grantsBefore, 2)
      assert.equal(round2.tokens.size, 1)
      assert.ok(events.some((e) => e.type === 'refresh' && e.outcome === 'coalesced'))
      assert.equal((await browser.fetch('/auth/session')).status, 200)
    })

    it('gives a late request still holding the old session the new tokens, not a second refresh (R-03)', async () => {
      const browser = harness.browser()
      await browser.login()
      const stale = new Map(browser.cookies)
      offset += 3_000
      assert.equal((await browser.fetch('/api/echo/a')).status, 200)
      const grants = refreshGrants()
      const late = harness.browser()
      for (const [name, value] of stale) late.cookies.set(name, value)
      assert.equal((await late.fetch('/api/echo/b')).status, 200)
      assert.equal(refreshGrants(), grants, 'no second refresh')
      assert.equal(
        authorizationOf(upstream.requests.length - 1),
        authorizationOf(upstream.requests.length - 2),
      )
    })

    it('ends the session with 401 JSON when the IdP refuses the refresh token (R-02)', async () => {
      const browser = harness.browser()
      await browser.login()
      const session = (await (await browser.fetch('/auth/session')).json()) as {
        user: { sub: string }
      }
      await harness.idp.revokeGrants(session.user.sub)
      offset += 3_000
      const invalidBefore = events.filter(
        (e) => e.type === 'refresh' && e.outcome === 'invalid_grant',
      ).length
      const hits = upstream.requests.length
      const responses = await Promise.all([1, 2, 3].map(() => browser.fetch('/api/echo/x')))
      for (const response of responses) {
        assert.equal(response.status, 401)
        assert.equal(response.headers.get('location'), null)
        assert.equal(((await response.json()) as { error: string }).error, 'unauthenticated')
      }
      assert.equal(upstream.requests.length, hits, 'nothing went upstream')
      const invalid = events.filter(
        (e) => e.type === 'refresh' && e.outcome === 'invalid_grant',
      ).length
      assert.equal(invalid - invalidBefore, 1, 'one refresh attempt, no retry loop')
      assert.equal((await browser.fetch('/auth/session')).status, 401, 'the session is gone')
    })
  })
}

describe('upstream 401 invalid_token', () => {
  it('refreshes once and retries once for an idempotent bodyless call, never loops (P-11)', async () => {
    let refuse = 0
    const upstream = await startUpstream((request, response) => {
      request.resume()
      if (refuse > 0) {
        refuse--
        response.statusCode = 401
        response.setHeader('www-authenticate', 'Bearer error="invalid_token"')
        response.end()
        return
      }
      response.end('ok')
    })
    const harness = await startHarness({
      config: { routes: [{ path: '/api/echo', upstream: upstream.url }] },
    })
    try {
      const browser = harness.browser()
      await browser.login()
      const grants = () => harness.idp.grants.filter((g) => g.grantType === 'refresh_token').length
      const before = grants()
      refuse = 1
      assert.equal((await browser.fetch('/api/echo/a')).status, 200)
      assert.equal(grants() - before, 1, 'one refresh for the refused token')
      const [first, second] = upstream.requests.slice(-2)
      assert.notEqual(first?.headers.authorization, second?.headers.authorization)

      refuse = 5
      const hits = upstream.requests.length
      assert.equal((await browser.fetch('/api/echo/b')).status, 401)
      assert.equal(upstream.requests.length - hits, 2, 'one retry, no loop')

      refuse = 1
      const post = await browser.fetch('/api/echo/c', {
        method: 'POST',
        body: '{}',
        contentType: 'application/json',
      })
      assert.equal(post.status, 401, 'a POST is not replayed')
    } finally {
      await harness.close()
      await upstream.close()
    }
  })
})
