import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import * as client from 'openid-client'
import {
  CLIENT_ID,
  CLIENT_SECRET,
  PUBLIC_URL,
  SPA_ORIGIN,
  startHarness,
  type Harness,
} from './support/harness.ts'

async function errorCode(response: Response): Promise<string> {
  return ((await response.json()) as { error: string }).error
}

describe('CSRF defences on SPA-facing endpoints', () => {
  let harness: Harness
  before(async () => {
    harness = await startHarness()
  })
  after(() => harness.close())

  it('requires the static anti-CSRF header on every request, GET included (X-02, X-04)', async () => {
    const browser = harness.browser()
    await browser.login()
    const response = await browser.fetch('/auth/session', { csrf: false })
    assert.equal(response.status, 403)
    assert.equal(await errorCode(response), 'csrf_header_missing')
    const wrongValue = await browser.fetch('/auth/session', {
      csrf: false,
      headers: { 'x-csrf': '0' },
    })
    assert.equal(wrongValue.status, 403)
    // A cross-site HTML form can only send simple requests: no custom header, so refused.
    const form = await browser.send('/auth/logout', {
      method: 'POST',
      mode: 'navigate',
      site: 'cross-site',
      origin: 'https://evil.example',
      body: 'returnTo=/',
      contentType: 'application/x-www-form-urlencoded',
    })
    assert.equal(form.status, 403)
    assert.equal((await browser.fetch('/auth/session')).status, 200, 'the session survived')
  })

  it('refuses foreign origins and cross-site requests even with the header (X-05, X-06)', async () => {
    const browser = harness.browser()
    await browser.login()
    for (const [origin, site] of [
      ['https://evil.example', 'cross-site'],
      ['https://app.example.test.evil.example', 'cross-site'],
      ['https://sibling.example.test', 'same-site'],
      ['null', 'cross-site'],
    ] as const) {
      const response = await browser.fetch('/auth/session', { origin, site })
      assert.equal(response.status, 403, origin)
      assert.equal(await errorCode(response), 'origin_not_allowed')
    }
    const noHeaders = await browser.send('/auth/session', { csrf: true })
    assert.equal(noHeaders.status, 403, 'neither Origin nor Fetch Metadata nor Referer')
    const sameOrigin = await browser.send('/auth/session', {
      csrf: true,
      mode: 'cors',
      site: 'same-origin',
    })
    assert.equal(sameOrigin.status, 200)
    assert.equal((await browser.fetch('/auth/session')).status, 200)
  })

  it('answers CORS preflights for the SPA origin only, with credentials and no wildcard (X-03)', async () => {
    const browser = harness.browser()
    const ok = await browser.send('/auth/session', {
      method: 'OPTIONS',
      origin: SPA_ORIGIN,
      headers: {
        'access-control-request-method': 'GET',
        'access-control-request-headers': 'x-csrf',
      },
    })
    assert.equal(ok.status, 204)
    assert.equal(ok.headers.get('access-control-allow-origin'), SPA_ORIGIN)
    assert.equal(ok.headers.get('access-control-allow-credentials'), 'true')
    assert.match(ok.headers.get('access-control-allow-headers') ?? '', /x-csrf/i)
    const evil = await browser.send('/auth/session', {
      method: 'OPTIONS',
      origin: 'https://evil.example',
      headers: { 'access-control-request-method': 'GET' },
    })
    assert.equal(evil.status, 403)
    assert.equal(evil.headers.get('access-control-allow-origin'), null)
    const actual = await browser.fetch('/auth/session')
    assert.equal(actual.headers.get('access-control-allow-origin'), SPA_ORIGIN)
    assert.match(actual.headers.get('vary') ?? '', /origin/i)
  })

  it('changes no state on GET: logout is POST only (X-08, X-09)', async () => {
    const browser = harness.browser()
    await browser.login()
    const get = await browser.fetch('/auth/logout')
    assert.equal(get.status, 405)
    assert.equal(await errorCode(get), 'method_not_allowed')
    const img = await browser.navigate('/auth/logout', { site: 'cross-site' })
    assert.equal(img.status, 405)
    const noHeader = await browser.fetch('/auth/logout', { method: 'POST', csrf: false })
    assert.equal(noHeader.status, 403)
    assert.equal((await browser.fetch('/auth/session')).status, 200, 'still logged in')
  })

  it('answers 401 JSON, never a redirect, to a request without a session', async () => {
    const response = await harness.browser().fetch('/auth/session')
    assert.equal(response.status, 401)
    assert.equal(response.headers.get('location'), null)
    assert.equal(await errorCode(response), 'unauthenticated')
  })
})

describe('RP-initiated logout', () => {
  let harness: Harness
  before(async () => {
    harness = await startHarness()
  })
  after(() => harness.close())

  it('ends the session, revokes the refresh token and returns the end-session URL with id_token_hint (O-02, O-03, O-04)', async () => {
    const browser = harness.browser()
    await browser.login()
    const refreshToken = harness.idp
      .issuedTokens()
      .find((token) => !token.includes('.') && token.length > 20)
    const response = await browser.fetch('/auth/logout', {
      method: 'POST',
      body: JSON.stringify({ returnTo: '/bye' }),
      contentType: 'application/json',
    })
    assert.equal(response.status, 200)
    assert.equal(response.headers.get('cache-control'), 'no-store')
    const { logoutUrl } = (await response.json()) as { logoutUrl: string }
    const url = new URL(logoutUrl)
    assert.ok(logoutUrl.startsWith(`${harness.idp.issuer}/`))
    assert.equal(
      url.searchParams.get('post_logout_redirect_uri'),
      `${PUBLIC_URL}/auth/logout/callback`,
    )
    assert.equal(url.searchParams.get('client_id'), CLIENT_ID)
    assert.match(url.searchParams.get('state') ?? '', /^[A-Za-z0-9_-]{43}$/)
    assert.ok(url.searchParams.get('id_token_hint'), 'id_token_hint sent (O-03, O-04)')
    // The session is gone at once, and its cookie expired (O-02).
    assert.equal(browser.cookies.has('__Host-coatcheck'), false)
    const again = harness.browser()
    assert.equal((await again.fetch('/auth/session')).status, 401)
    // The refresh token no longer works at the IdP (O-02, RFC 7009).
    if (refreshToken) {
      const discovered = await client.discovery(
        new URL(harness.idp.issuer),
        CLIENT_ID,
        CLIENT_SECRET,
        undefined,
        { execute: [client.allowInsecureRequests] },
      )
      const introspection = await client.tokenIntrospection(discovered, refreshToken)
      assert.equal(introspection.active, false)
    }
  })

  it('comes back from the IdP to returnTo only with this browser’s state (O-05)', async () => {
    const browser = harness.browser()
    await browser.login()
    const response = await browser.fetch('/auth/logout', {
      method: 'POST',
      body: JSON.stringify({ returnTo: '/bye' }),
      contentType: 'application/json',
    })
    const { logoutUrl } = (await response.json()) as { logoutUrl: string }
    const back = new URL(await browser.signOutAtIdp(logoutUrl))
    assert.equal(`${back.origin}${back.pathname}`, `${PUBLIC_URL}/auth/logout/callback`)

    const wrong = new URL(back)
    wrong.searchParams.set('state', 'x'.repeat(43))
    const other = harness.browser()
    const refused = await other.navigate(back.href, { site: 'cross-site' })
    assert.equal(refused.status, 400, 'another browser has no pending logout')

    const landed = await browser.navigate(back.href, { site: 'cross-site' })
    assert.equal(landed.status, 303)
    assert.equal(landed.headers.get('location'), 'https://app.example.test/bye')
    const replay = await browser.navigate(back.href, { site: 'cross-site' })
    assert.equal(replay.status, 400, 'single use')
  })

  it('refuses a logout returnTo off the allowed origins, keeping the session (L-15)', async () => {
    const browser = harness.browser()
    await browser.login()
    const response = await browser.fetch('/auth/logout', {
      method: 'POST',
      body: JSON.stringify({ returnTo: '//evil.example' }),
      contentType: 'application/json',
    })
    assert.equal(response.status, 400)
    assert.equal(await errorCode(response), 'invalid_return_to')
    assert.equal((await browser.fetch('/auth/session')).status, 200)
  })

  it('answers malformed logout bodies with 400, never 500', async () => {
    const browser = harness.browser()
    await browser.login()
    for (const [body, type] of [
      ['{', 'application/json'],
      ['[1]', 'text/plain'],
      ['"x"', 'application/json'],
      [JSON.stringify({ returnTo: 5 }), 'application/json'],
      ['x'.repeat(10_000), 'application/json'],
    ] as const) {
      const response = await browser.fetch('/auth/logout', {
        method: 'POST',
        body,
        contentType: type,
      })
      assert.ok(response.status >= 400 && response.status < 500, `${type} ${body.slice(0, 10)}`)
    }
    assert.equal((await browser.fetch('/auth/session')).status, 200)
  })
})

describe('server-side timeouts (C-12)', () => {
  it('ends an idle session and an expired one on the server', async () => {
    let now = Date.now()
    const harness = await startHarness({
      config: { session: { idleTimeoutSeconds: 60, absoluteTimeoutSeconds: 300 } },
      coatcheck: { now: () => now },
    })
    try {
      const browser = harness.browser()
      await browser.login()
      now += 59_000
      assert.equal((await browser.fetch('/auth/session')).status, 200)
      now += 59_000
      assert.equal(
        (await browser.fetch('/auth/session')).status,
        200,
        'use extends the idle window',
      )
      now += 61_000
      assert.equal((await browser.fetch('/auth/session')).status, 401, 'idle timeout')

      await browser.login()
      for (let i = 0; i < 6; i++) {
        now += 50_000
        await browser.fetch('/auth/session')
      }
      assert.equal((await browser.fetch('/auth/session')).status, 401, 'absolute timeout')
    } finally {
      await harness.close()
    }
  })
})
