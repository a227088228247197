import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import * as client from 'openid-client'
import { signIn } from '@coatcheck/dev-idp'
import { createSealer } from '../src/crypto/sealer.ts'
import {
  API_AUDIENCE,
  CLIENT_ID,
  PUBLIC_URL,
  SPA_URL,
  setCookies,
  startHarness,
  type Harness,
} from './support/harness.ts'

async function errorCode(response: Response): Promise<string> {
  const type = response.headers.get('content-type') ?? ''
  if (type.includes('json')) return ((await response.json()) as { error: string }).error
  const match = /data-error-code="([a-z_]+)"|<code>([a-z_]+)<\/code>/.exec(await response.text())
  return match?.[1] ?? match?.[2] ?? 'unknown'
}

describe('login and callback against the dev IdP', () => {
  let harness: Harness
  before(async () => {
    harness = await startHarness()
  })
  after(() => harness.close())

  it('sends S256 PKCE, state, nonce and the configured redirect_uri (L-03, L-07, L-08, L-11)', async () => {
    const browser = harness.browser()
    const response = await browser.navigate('/auth/login', {
      headers: { host: 'evil.example', 'x-forwarded-host': 'evil.example' },
    })
    assert.equal(response.status, 302)
    const location = new URL(response.headers.get('location') ?? '')
    const params = location.searchParams
    // The dev IdP offers PAR, so the browser only sees client_id + request_uri (L-21).
    assert.equal(params.get('client_id'), CLIENT_ID)
    assert.ok(params.get('request_uri')?.startsWith('urn:ietf:params:oauth:request_uri:'))
    assert.equal([...params.keys()].sort().join(), 'client_id,request_uri')
    assert.equal(response.headers.get('cache-control'), 'no-store')
  })

  it('without PAR, the authorization URL carries S256, state, nonce and the exact redirect URI (L-03, L-07, L-08, L-11)', async () => {
    const h = await startHarness({ config: { idp: parIdp(harness, 'never') } })
    try {
      const response = await h
        .browser()
        .navigate('/auth/login', { headers: { host: 'evil.example' } })
      const params = new URL(response.headers.get('location') ?? '').searchParams
      assert.equal(params.get('code_challenge_method'), 'S256')
      assert.match(params.get('code_challenge') ?? '', /^[A-Za-z0-9_-]{43}$/)
      assert.match(params.get('state') ?? '', /^[A-Za-z0-9_-]{43}$/)
      assert.match(params.get('nonce') ?? '', /^[A-Za-z0-9_-]{43}$/)
      assert.equal(params.get('redirect_uri'), `${PUBLIC_URL}/auth/callback`)
      assert.equal(params.get('response_type'), 'code')
      assert.equal(params.get('resource'), API_AUDIENCE)
      assert.equal(params.has('code_verifier'), false)
    } finally {
      await h.close()
    }
  })

  it('keeps the transaction in a sealed, HttpOnly, SameSite=Lax cookie of its own (L-04, C-06)', async () => {
    const browser = harness.browser()
    const response = await browser.navigate('/auth/login')
    const lines = [...setCookies(response).values()]
    assert.equal(lines.length, 1)
    const [line = ''] = lines
    assert.match(line, /^__Host-coatcheck-tx-[A-Za-z0-9_-]{12}=/)
    assert.match(line, /; HttpOnly/i)
    assert.match(line, /; Secure/i)
    assert.match(line, /; SameSite=Lax/i)
    assert.match(line, /; Path=\//i)
    assert.match(line, /; Max-Age=600/i)
    assert.doesNotMatch(line, /Domain=/i)
  })

  it('logs in, sets a new __Host- session cookie with every attribute and redirects to returnTo (C-01..C-05, C-08, L-19)', async () => {
    const browser = harness.browser()
    const response = await browser.login()
    assert.equal(response.status, 303)
    assert.equal(response.headers.get('location'), SPA_URL)
    assert.equal(response.headers.get('cache-control'), 'no-store')
    assert.equal(response.headers.get('referrer-policy'), 'no-referrer')
    const cookies = setCookies(response)
    const session = cookies.get('__Host-coatcheck') ?? ''
    assert.match(session, /; Secure/i)
    assert.match(session, /; HttpOnly/i)
    assert.match(session, /; SameSite=Strict/i)
    assert.match(session, /; Path=\/(;|$)/i)
    assert.doesNotMatch(session, /Domain=/i)
    const value = browser.cookies.get('__Host-coatcheck') ?? ''
    assert.match(value, /^[A-Za-z0-9_-]{22}$/, 'an opaque 128-bit id (C-08)')
    // The transaction cookie is gone after use (L-06).
    assert.ok([...cookies.keys()].some((name) => name.startsWith('__Host-coatcheck-tx-')))
    assert.equal([...browser.cookies.keys()].filter((n) => n.includes('-tx-')).length, 0)
  })

  it('serves claims but never a token from /auth/session, with no-store (C-13, C-14)', async () => {
    const browser = harness.browser()
    await browser.login()
    const response = await browser.fetch('/auth/session')
    assert.equal(response.status, 200)
    assert.equal(response.headers.get('cache-control'), 'no-store')
    const text = await response.text()
    const body = JSON.parse(text) as {
      authenticated: boolean
      user: Record<string, unknown>
      expiresAt: number
    }
    assert.equal(body.authenticated, true)
    assert.equal(body.user.name, 'Alice Example')
    assert.equal(body.user.email, 'alice@example.com')
    assert.deepEqual(body.user.roles, ['admin'])
    assert.equal(body.user.nonce, undefined)
    assert.ok(body.expiresAt > Date.now())
    for (const token of harness.idp.issuedTokens()) assert.ok(!text.includes(token))
  })

  it('rejects a callback whose state this browser never issued (L-04, L-05)', async () => {
    const alice = harness.browser()
    const start = await alice.navigate('/auth/login')
    const callbackUrl = await signIn(
      start.headers.get('location') ?? '',
      {
        username: 'alice',
        password: 'wonderland',
      },
      alice.idpSession,
    )
    // The attacker's browser has no transaction cookie for this state: login CSRF fails.
    const attacker = harness.browser()
    const response = await attacker.navigate(callbackUrl, { site: 'cross-site' })
    assert.equal(response.status, 400)
    assert.equal(await errorCode(response), 'login_state_invalid')
    assert.equal(attacker.cookies.has('__Host-coatcheck'), false)
  })

  it('rejects a missing, altered or unknown state (L-05)', async () => {
    const browser = harness.browser()
    const start = await browser.navigate('/auth/login')
    const callbackUrl = new URL(
      await signIn(
        start.headers.get('location') ?? '',
        { username: 'bob', password: 'builder' },
        browser.idpSession,
      ),
    )
    const state = callbackUrl.searchParams.get('state') ?? ''
    for (const bad of [null, `${state.slice(0, 12)}${'A'.repeat(31)}`, 'x', '']) {
      const url = new URL(callbackUrl)
      if (bad === null) url.searchParams.delete('state')
      else url.searchParams.set('state', bad)
      const response = await browser.navigate(url.href, { site: 'cross-site' })
      assert.equal(response.status, 400, `state ${bad}`)
      assert.equal(await errorCode(response), 'login_state_invalid')
    }
  })

  it('uses a transaction once: replaying the callback fails and leaves the session alone (L-06)', async () => {
    const browser = harness.browser()
    const start = await browser.navigate('/auth/login')
    const txCookies = new Map(browser.cookies)
    const callbackUrl = await signIn(
      start.headers.get('location') ?? '',
      {
        username: 'alice',
        password: 'wonderland',
      },
      browser.idpSession,
    )
    assert.equal((await browser.navigate(callbackUrl, { site: 'cross-site' })).status, 303)
    const sessionId = browser.cookies.get('__Host-coatcheck')
    // Replay with the transaction cookie restored, as an attacker holding a copy would.
    const replay = await browser.navigate(callbackUrl, {
      site: 'cross-site',
      cookies: Object.fromEntries(txCookies),
    })
    assert.equal(replay.status, 400)
    assert.equal(await errorCode(replay), 'login_state_invalid')
    assert.equal(browser.cookies.get('__Host-coatcheck'), sessionId)
    assert.equal((await browser.fetch('/auth/session')).status, 200)
  })

  it('refuses a code from an authorization request with another nonce (L-08, L-13)', async () => {
    const browser = harness.browser()
    const start = await browser.navigate('/auth/login')
    const [txName, txValue] = [...browser.cookies].find(([name]) => name.includes('-tx-')) ?? []
    assert.ok(txName && txValue)
    const sealer = await createSealer(harness.keys)
    const opened = await sealer.openJson<{ state: string; codeVerifier: string }>(txValue, txName)
    assert.ok(opened)
    // An injected code: same state and verifier, but minted for a different nonce.
    const discovered = await client.discovery(
      new URL(harness.idp.issuer),
      CLIENT_ID,
      undefined,
      undefined,
      {
        execute: [client.allowInsecureRequests],
      },
    )
    const forged = client.buildAuthorizationUrl(discovered, {
      redirect_uri: `${PUBLIC_URL}/auth/callback`,
      scope: 'openid profile email',
      code_challenge: await client.calculatePKCECodeChallenge(opened.value.codeVerifier),
      code_challenge_method: 'S256',
      state: opened.value.state,
      nonce: 'a-different-nonce-chosen-by-the-attacker',
    })
    void start
    const callbackUrl = await signIn(
      forged.href,
      { username: 'alice', password: 'wonderland' },
      browser.idpSession,
    )
    const response = await browser.navigate(callbackUrl, { site: 'cross-site' })
    assert.equal(response.status, 400)
    assert.equal(await errorCode(response), 'login_failed')
    assert.equal(browser.cookies.has('__Host-coatcheck'), false)
  })

  it('rejects a callback whose iss is another issuer or missing (L-09)', async () => {
    for (const iss of ['https://evil.example', null]) {
      const browser = harness.browser()
      const start = await browser.navigate('/auth/login')
      const url = new URL(
        await signIn(
          start.headers.get('location') ?? '',
          { username: 'alice', password: 'wonderland' },
          browser.idpSession,
        ),
      )
      assert.equal(url.searchParams.get('iss'), harness.idp.issuer)
      if (iss === null) url.searchParams.delete('iss')
      else url.searchParams.set('iss', iss)
      const response = await browser.navigate(url.href, { site: 'cross-site' })
      assert.equal(response.status, 400)
      assert.equal(await errorCode(response), 'login_failed')
      assert.equal(browser.cookies.has('__Host-coatcheck'), false)
    }
  })

  it('refuses returnTo values that would redirect off the allowed origins (L-15)', async () => {
    const browser = harness.browser()
    for (const returnTo of [
      '//evil.example',
      '/\\evil.example',
      'https://evil.example/',
      'https://app.example.test.evil.example/',
      'https://app.example.test@evil.example/',
      'javascript:alert(1)',
      '/%2F%2Fevil.example',
      '/ok%0d%0aSet-Cookie:x=1',
    ]) {
      const response = await browser.navigate(
        `/auth/login?returnTo=${encodeURIComponent(returnTo)}`,
      )
      assert.equal(response.status, 400, returnTo)
      assert.equal(await errorCode(response), 'invalid_return_to', returnTo)
    }
    const ok = await browser.login(
      undefined,
      `/auth/login?returnTo=${encodeURIComponent('/orders?tab=2')}`,
    )
    assert.equal(ok.headers.get('location'), 'https://app.example.test/orders?tab=2')
  })

  it('refuses parameters that would steer the authorization request (L-16)', async () => {
    const browser = harness.browser()
    for (const query of [
      'scope=openid+admin',
      'redirect_uri=https://evil.example/cb',
      'response_type=token',
      'prompt=none',
      'acr_values=weak',
      'resource=https://other.example',
      'login_hint=a&login_hint=b',
    ]) {
      const response = await browser.navigate(`/auth/login?${query}`)
      assert.equal(response.status, 400, query)
      assert.equal(await errorCode(response), 'login_parameter_not_allowed', query)
    }
    const allowed = await browser.navigate('/auth/login?prompt=login&login_hint=alice')
    assert.equal(allowed.status, 302)
  })

  it('answers a fetch() of /auth/login with JSON, never a redirect to the IdP (X-05)', async () => {
    const response = await harness.browser().fetch('/auth/login')
    assert.equal(response.status, 400)
    assert.equal(response.headers.get('location'), null)
    assert.equal(await errorCode(response), 'login_requires_navigation')
  })

  it('issues a new session id on every login and ignores a planted one (L-19)', async () => {
    const browser = harness.browser()
    const planted = 'AAAAAAAAAAAAAAAAAAAAAA'
    browser.cookies.set('__Host-coatcheck', planted)
    assert.equal((await browser.fetch('/auth/session')).status, 401)
    await browser.login()
    const first = browser.cookies.get('__Host-coatcheck')
    assert.ok(first && first !== planted)
    await browser.login({ username: 'alice', password: 'wonderland' })
    const second = browser.cookies.get('__Host-coatcheck')
    assert.ok(second && second !== first)
    // The previous session is gone, not merely replaced in this browser.
    const stale = await browser.fetch('/auth/session', { cookies: {}, headers: {} })
    assert.equal(stale.status, 200)
    const old = harness.browser()
    old.cookies.set('__Host-coatcheck', first)
    assert.equal((await old.fetch('/auth/session')).status, 401)
  })

  it('completes parallel logins from several tabs, in any order, with bounded cookies', async () => {
    const browser = harness.browser()
    const starts = []
    for (let i = 0; i < 3; i++) {
      const response = await browser.navigate(
        `/auth/login?returnTo=${encodeURIComponent(`/tab/${i}`)}`,
      )
      starts.push(response.headers.get('location') ?? '')
    }
    const cookieHeader = [...browser.cookies].map(([k, v]) => `${k}=${v}`).join('; ')
    assert.ok(cookieHeader.length < 2048, `cookie header ${cookieHeader.length} bytes`)
    const callbacks = []
    for (const start of starts) {
      callbacks.push(
        await signIn(start, { username: 'alice', password: 'wonderland' }, browser.idpSession),
      )
    }
    for (const i of [2, 0, 1]) {
      const response = await browser.navigate(callbacks[i] ?? '', { site: 'cross-site' })
      assert.equal(response.status, 303, `tab ${i}`)
      assert.equal(response.headers.get('location'), `https://app.example.test/tab/${i}`)
    }
    // Many more tabs than allowed evict the oldest instead of growing without bound.
    for (let i = 0; i < 10; i++) await browser.navigate('/auth/login')
    assert.ok([...browser.cookies.keys()].filter((n) => n.includes('-tx-')).length <= 4)
  })
})

function parIdp(harness: Harness, mode: 'never' | 'auto' | 'always') {
  return {
    issuer: harness.idp.issuer,
    clientId: CLIENT_ID,
    clientSecret: 'test-secret-0123456789',
    resource: API_AUDIENCE,
    scopes: ['openid', 'profile', 'email', 'demo:read'],
    pushedAuthorizationRequests: mode,
  }
}
