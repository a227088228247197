import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import * as client from 'openid-client'
import { API, decodeJwt, logIn, oauthError, startFixture, type Fixture } from './fixture.ts'

describe('refresh tokens', { timeout: 30_000 }, () => {
  let fixture: Fixture
  before(async () => {
    fixture = await startFixture()
  })
  after(() => fixture.close())

  it('issues a refresh token without offline_access (D-22)', async () => {
    const { tokens } = await logIn(fixture, { scope: 'openid profile email api:read' })
    assert.equal(typeof tokens.refresh_token, 'string')
  })

  it('rotates the refresh token on every refresh, for the confidential client too (D-21)', async () => {
    const { tokens } = await logIn(fixture)
    const first = await client.refreshTokenGrant(fixture.config, tokens.refresh_token ?? '')
    const second = await client.refreshTokenGrant(fixture.config, first.refresh_token ?? '')
    assert.notEqual(first.refresh_token, tokens.refresh_token)
    assert.notEqual(second.refresh_token, first.refresh_token)
  })

  it('keeps issuing JWTs for the granted API without the client resending resource', async () => {
    const { tokens } = await logIn(fixture)
    const refreshed = await client.refreshTokenGrant(fixture.config, tokens.refresh_token ?? '')
    const { header, payload } = decodeJwt(refreshed.access_token)
    assert.equal(header.typ, 'at+jwt')
    assert.equal(payload.aud, API)
    assert.equal(payload.scope, 'api:read')
    assert.deepEqual(payload.roles, ['admin'])
  })

  it('refuses a reused refresh token and revokes the whole grant (D-01, D-21)', async () => {
    const { tokens } = await logIn(fixture)
    const old = tokens.refresh_token ?? ''
    const rotated = await client.refreshTokenGrant(fixture.config, old)
    assert.equal(await oauthError(client.refreshTokenGrant(fixture.config, old)), 'invalid_grant')
    // Reuse detection revoked the grant, so the legitimate successor is dead too.
    const successor = rotated.refresh_token ?? ''
    assert.equal(
      await oauthError(client.refreshTokenGrant(fixture.config, successor)),
      'invalid_grant',
    )
  })

  it('records every completed grant, refreshes included', async () => {
    const before = fixture.idp.grants.length
    const { tokens } = await logIn(fixture)
    const sub = tokens.claims()?.sub
    await client.refreshTokenGrant(fixture.config, tokens.refresh_token ?? '')
    const recorded = fixture.idp.grants.slice(before)
    assert.deepEqual(
      recorded.map(({ grantType, clientId, sub }) => ({ grantType, clientId, sub })),
      [
        { grantType: 'authorization_code', clientId: 'bff', sub },
        { grantType: 'refresh_token', clientId: 'bff', sub },
      ],
    )
    assert.ok(recorded.every(({ at }) => Math.abs(Date.now() - at) < 60_000))
  })

  it('lists every issued access, refresh and ID token', async () => {
    const { tokens } = await logIn(fixture)
    const refreshed = await client.refreshTokenGrant(fixture.config, tokens.refresh_token ?? '')
    const issued = new Set(fixture.idp.issuedTokens())
    for (const token of [
      tokens.access_token,
      tokens.refresh_token,
      tokens.id_token,
      refreshed.access_token,
      refreshed.refresh_token,
      refreshed.id_token,
    ]) {
      assert.ok(token !== undefined && issued.has(token))
    }
  })

  it('revokeGrants(sub) kills the refresh tokens of that user only', async () => {
    const alice = await logIn(fixture)
    const bob = await logIn(fixture, { credentials: { username: 'bob', password: 'builder' } })
    await fixture.idp.revokeGrants(alice.tokens.claims()?.sub ?? '')
    const aliceRefresh = client.refreshTokenGrant(fixture.config, alice.tokens.refresh_token ?? '')
    assert.equal(await oauthError(aliceRefresh), 'invalid_grant')
    await client.refreshTokenGrant(fixture.config, bob.tokens.refresh_token ?? '')
  })

  it('lets a user whose grants were revoked sign in again through the IdP session', async () => {
    const first = await logIn(fixture)
    await fixture.idp.revokeGrants(first.tokens.claims()?.sub ?? '')
    const again = await logIn(fixture, { session: first.session })
    await client.refreshTokenGrant(fixture.config, again.tokens.refresh_token ?? '')
  })
})

describe('token lifetimes', { timeout: 30_000 }, () => {
  let fixture: Fixture
  before(async () => {
    fixture = await startFixture({ ttl: { accessToken: 2 } })
  })
  after(() => fixture.close())

  it('honours ttl.accessToken for API access tokens', async () => {
    const { tokens } = await logIn(fixture)
    assert.equal(tokens.expires_in, 2)
    const { payload } = decodeJwt(tokens.access_token)
    assert.equal(Number(payload.exp) - Number(payload.iat), 2)
  })

  it('honours ttl.accessToken on refresh and for userinfo tokens', async () => {
    const { tokens } = await logIn(fixture, { resource: undefined })
    assert.equal(tokens.expires_in, 2)
    const refreshed = await client.refreshTokenGrant(fixture.config, tokens.refresh_token ?? '')
    assert.equal(refreshed.expires_in, 2)
  })
})
