import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import * as client from 'openid-client'
import { CLIENT_ID, logIn, oauthError, startFixture, type Fixture } from './fixture.ts'

describe('revocation and introspection (D-12, D-23)', { timeout: 30_000 }, () => {
  let fixture: Fixture
  before(async () => {
    fixture = await startFixture()
  })
  after(() => fixture.close())

  it('introspects a live refresh token as active, with its subject and client', async () => {
    const { tokens } = await logIn(fixture)
    const result = await client.tokenIntrospection(fixture.config, tokens.refresh_token ?? '')
    assert.equal(result.active, true)
    assert.equal(result.client_id, CLIENT_ID)
    assert.equal(result.sub, tokens.claims()?.sub)
  })

  it('introspects an unknown token as inactive', async () => {
    const result = await client.tokenIntrospection(fixture.config, 'not-a-token')
    assert.deepEqual(result, { active: false })
  })

  it('revokes a refresh token, which then introspects inactive and cannot refresh', async () => {
    const { tokens } = await logIn(fixture)
    const refreshToken = tokens.refresh_token ?? ''
    await client.tokenRevocation(fixture.config, refreshToken)
    const result = await client.tokenIntrospection(fixture.config, refreshToken)
    assert.equal(result.active, false)
    const refresh = client.refreshTokenGrant(fixture.config, refreshToken)
    assert.equal(await oauthError(refresh), 'invalid_grant')
  })

  it('revokes an opaque access token', async () => {
    const { tokens } = await logIn(fixture, { resource: undefined })
    assert.equal(
      (await client.tokenIntrospection(fixture.config, tokens.access_token)).active,
      true,
    )
    await client.tokenRevocation(fixture.config, tokens.access_token)
    assert.equal(
      (await client.tokenIntrospection(fixture.config, tokens.access_token)).active,
      false,
    )
  })
})
