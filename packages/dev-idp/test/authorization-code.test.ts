import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { createRemoteJWKSet, jwtVerify } from 'jose'
import * as client from 'openid-client'
import { createIdpBrowserSession, DevIdpError, signIn } from '../src/index.ts'
import {
  ADMIN_API,
  ALICE,
  API,
  CLIENT_ID,
  decodeJwt,
  logIn,
  REDIRECT_URI,
  startFixture,
  type Fixture,
} from './fixture.ts'

/** An authorization URL for the `bff` client; `extra` overrides or adds parameters. */
function authorizationUrl(fixture: Fixture, extra: Record<string, string> = {}): URL {
  return client.buildAuthorizationUrl(fixture.config, {
    redirect_uri: REDIRECT_URI,
    scope: 'openid profile email',
    code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
    code_challenge_method: 'S256',
    state: 'state-1',
    ...extra,
  })
}

/** The error an authorization request got, read from the redirect back to the client. */
async function authorizationError(url: URL): Promise<string | null> {
  const response = await fetch(url, { redirect: 'manual' })
  const location = new URL(response.headers.get('location') ?? '', url)
  assert.equal(location.origin + location.pathname, REDIRECT_URI)
  return location.searchParams.get('error')
}

describe('authorization code flow', { timeout: 30_000 }, () => {
  let fixture: Fixture
  before(async () => {
    fixture = await startFixture()
  })
  after(() => fixture.close())

  it('requires PKCE even for the confidential client (D-20)', async () => {
    const url = authorizationUrl(fixture)
    url.searchParams.delete('code_challenge')
    url.searchParams.delete('code_challenge_method')
    assert.equal(await authorizationError(url), 'invalid_request')
  })

  it('refuses the plain PKCE method (D-04)', async () => {
    const url = authorizationUrl(fixture, { code_challenge_method: 'plain' })
    assert.equal(await authorizationError(url), 'invalid_request')
  })

  it('refuses a resource that is not a registered API (D-24)', async () => {
    const url = authorizationUrl(fixture, { resource: 'https://unknown.example.test' })
    assert.equal(await authorizationError(url), 'invalid_target')
  })

  it('refuses an API the client is not registered for (D-24)', async () => {
    const url = authorizationUrl(fixture, { resource: ADMIN_API })
    assert.equal(await authorizationError(url), 'invalid_target')
  })

  it('signs alice in and puts name, email and roles in the ID token', async () => {
    const { tokens, callback } = await logIn(fixture)
    assert.equal(new URL(callback).searchParams.get('iss'), fixture.idp.issuer) // RFC 9207
    const claims = tokens.claims()
    assert.equal(claims?.name, 'Alice Example')
    assert.equal(claims?.email, 'alice@example.com')
    assert.equal(claims?.email_verified, true)
    assert.equal(claims?.preferred_username, 'alice')
    assert.deepEqual(claims?.roles, ['admin'])
  })

  it('issues an ES256 JWT access token for the API with roles (RFC 9068, D-11, D-24)', async () => {
    const { tokens } = await logIn(fixture)
    const jwks = createRemoteJWKSet(new URL(`${fixture.idp.issuer}/jwks`))
    const { payload, protectedHeader } = await jwtVerify(tokens.access_token, jwks, {
      issuer: fixture.idp.issuer,
      audience: API,
      typ: 'at+jwt',
      algorithms: ['ES256'],
    })
    assert.equal(protectedHeader.typ, 'at+jwt')
    assert.equal(payload.client_id, CLIENT_ID)
    assert.equal(payload.sub, tokens.claims()?.sub)
    assert.equal(payload.scope, 'api:read')
    assert.deepEqual(payload.roles, ['admin'])
    assert.equal(tokens.expires_in, 300)
  })

  it('still issues a JWT for the API when no API scope was requested', async () => {
    const { tokens } = await logIn(fixture, { scope: 'openid profile email' })
    const { header, payload } = decodeJwt(tokens.access_token)
    assert.equal(header.typ, 'at+jwt')
    assert.equal(payload.aud, API)
    assert.equal(payload.scope, undefined)
    assert.deepEqual(payload.roles, ['admin'])
  })

  it('issues an opaque userinfo token when no resource is requested', async () => {
    const { tokens } = await logIn(fixture, { resource: undefined })
    assert.equal(tokens.access_token.split('.').length, 1)
    const userinfo = await client.fetchUserInfo(
      fixture.config,
      tokens.access_token,
      tokens.claims()?.sub ?? '',
    )
    assert.deepEqual(userinfo.roles, ['admin'])
  })

  it('refuses a wrong password', async () => {
    const error = await signIn(authorizationUrl(fixture).href, {
      ...ALICE,
      password: 'wrong',
    }).then(
      () => assert.fail('signIn should have thrown'),
      (caught: unknown) => caught,
    )
    assert.ok(error instanceof DevIdpError)
    assert.equal(error.code, 'credentials_refused')
    assert.doesNotMatch(error.message, /wrong/) // never echo a password
  })

  it('refuses an unknown user', async () => {
    const url = authorizationUrl(fixture).href
    await assert.rejects(signIn(url, { username: 'mallory', password: 'wonderland' }), {
      code: 'credentials_refused',
    })
  })

  it('reuses the IdP session for a second sign-in (SSO)', async () => {
    const session = createIdpBrowserSession()
    await logIn(fixture, { session })
    // No login form this time, so the (wrong) password is never submitted.
    const { tokens } = await logIn(fixture, { session, credentials: { ...ALICE, password: 'x' } })
    assert.equal(tokens.claims()?.name, 'Alice Example')
  })

  it('signs bob in with his own claims', async () => {
    const { tokens } = await logIn(fixture, {
      credentials: { username: 'bob', password: 'builder' },
    })
    assert.equal(tokens.claims()?.name, 'Bob Example')
    assert.deepEqual(decodeJwt(tokens.access_token).payload.roles, ['editor'])
  })
})
