import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import * as client from 'openid-client'
import { createIdpBrowserSession } from '../src/index.ts'
import { REDIRECT_URI, startFixture, type Fixture } from './fixture.ts'

/** Follows the authorization request to the login page, keeping cookies. */
async function openLoginPage(fixture: Fixture, extra: Record<string, string> = {}) {
  const session = createIdpBrowserSession()
  const url = client.buildAuthorizationUrl(fixture.config, {
    redirect_uri: REDIRECT_URI,
    scope: 'openid profile',
    code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
    code_challenge_method: 'S256',
    ...extra,
  })
  const redirect = await fetch(url, { redirect: 'manual' })
  session.storeCookies(url, redirect.headers.getSetCookie())
  const pageUrl = new URL(redirect.headers.get('location') ?? '', url)
  const response = await fetch(pageUrl, {
    headers: { cookie: session.cookieHeader(pageUrl) ?? '' },
  })
  return { session, pageUrl, response, html: await response.text() }
}

describe('login page', { timeout: 30_000 }, () => {
  let fixture: Fixture
  before(async () => {
    fixture = await startFixture()
  })
  after(() => fixture.close())

  it('is a form with labelled Username and Password fields and a Sign in button', async () => {
    const { response, html } = await openLoginPage(fixture)
    assert.equal(response.status, 200)
    assert.match(html, /<label for="username">Username<\/label>/)
    assert.match(html, /<input id="username" name="username"/)
    assert.match(html, /<label for="password">Password<\/label>/)
    assert.match(html, /<input id="password" name="password" type="password"/)
    assert.match(html, /<button type="submit">Sign in<\/button>/)
  })

  it('cannot be framed (D-29)', async () => {
    const { response } = await openLoginPage(fixture)
    assert.equal(response.headers.get('x-frame-options'), 'DENY')
    assert.match(response.headers.get('content-security-policy') ?? '', /frame-ancestors 'none'/)
  })

  it('escapes the login_hint it pre-fills', async () => {
    const { html } = await openLoginPage(fixture, { login_hint: '"><script>alert(1)</script>' })
    assert.doesNotMatch(html, /<script>alert/)
    assert.match(html, /value="&quot;&gt;&lt;script&gt;alert\(1\)&lt;\/script&gt;"/)
  })

  it('re-renders the form with an error for a wrong password, without a redirect', async () => {
    const { session, pageUrl } = await openLoginPage(fixture)
    const loginUrl = new URL(`${pageUrl.pathname}/login`, pageUrl)
    const response = await fetch(loginUrl, {
      method: 'POST',
      redirect: 'manual',
      headers: {
        cookie: session.cookieHeader(loginUrl) ?? '',
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({ username: 'alice', password: 'not-her-password' }),
    })
    assert.equal(response.status, 200)
    const html = await response.text()
    assert.match(html, /Invalid username or password/)
    assert.match(html, /value="alice"/)
  })

  it('answers access_denied to the client when the user cancels', async () => {
    const { session, pageUrl } = await openLoginPage(fixture)
    let url = new URL(`${pageUrl.pathname}/abort`, pageUrl)
    let response = await fetch(url, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie: session.cookieHeader(url) ?? '' },
    })
    session.storeCookies(url, response.headers.getSetCookie())
    url = new URL(response.headers.get('location') ?? '', url) // back to the authorization endpoint
    response = await fetch(url, {
      redirect: 'manual',
      headers: { cookie: session.cookieHeader(url) ?? '' },
    })
    const callback = new URL(response.headers.get('location') ?? '', url)
    assert.equal(`${callback.origin}${callback.pathname}`, REDIRECT_URI)
    assert.equal(callback.searchParams.get('error'), 'access_denied')
  })

  it('is never cached', async () => {
    const { response } = await openLoginPage(fixture)
    assert.equal(response.headers.get('cache-control'), 'no-store')
  })

  it('refuses a login post without the interaction cookie (login CSRF)', async () => {
    const { pageUrl } = await openLoginPage(fixture)
    const response = await fetch(new URL(`${pageUrl.pathname}/login`, pageUrl), {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ username: 'alice', password: 'wonderland' }),
    })
    assert.equal(response.status, 400)
    assert.match(await response.text(), /data-error="invalid_request"/)
  })
})
