import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { startFixture, type Fixture } from './fixture.ts'

describe('discovery document', { timeout: 30_000 }, () => {
  let fixture: Fixture
  let metadata: Record<string, unknown>

  before(async () => {
    fixture = await startFixture()
    const response = await fetch(`${fixture.idp.issuer}/.well-known/openid-configuration`)
    assert.equal(response.status, 200)
    metadata = (await response.json()) as Record<string, unknown>
  })
  after(() => fixture.close())

  it('names the issuer without a trailing slash, on 127.0.0.1 and the real port', () => {
    assert.match(fixture.idp.issuer, /^http:\/\/127\.0\.0\.1:\d+$/)
    assert.equal(metadata.issuer, fixture.idp.issuer)
  })

  it('advertises PKCE with S256 only (D-04, D-20)', () => {
    assert.deepEqual(metadata.code_challenge_methods_supported, ['S256'])
  })

  it('advertises the iss authorization response parameter (RFC 9207, D-06)', () => {
    assert.equal(metadata.authorization_response_iss_parameter_supported, true)
  })

  it('offers only the code flow', () => {
    assert.deepEqual(metadata.response_types_supported, ['code'])
  })

  it('advertises back-channel logout with sid (D-09, D-23)', () => {
    assert.equal(metadata.backchannel_logout_supported, true)
    assert.equal(metadata.backchannel_logout_session_supported, true)
  })

  it('has revocation, introspection, PAR and end-session endpoints (D-08, D-10, D-23)', () => {
    const issuer = fixture.idp.issuer
    assert.equal(metadata.revocation_endpoint, `${issuer}/token/revocation`)
    assert.equal(metadata.introspection_endpoint, `${issuer}/token/introspection`)
    assert.equal(metadata.pushed_authorization_request_endpoint, `${issuer}/request`)
    assert.equal(metadata.end_session_endpoint, `${issuer}/session/end`)
  })

  it('advertises DPoP (D-07)', () => {
    assert.ok(Array.isArray(metadata.dpop_signing_alg_values_supported))
  })

  it('supports the profile, email and roles scopes and the roles claim', () => {
    const scopes = metadata.scopes_supported as string[]
    for (const scope of ['openid', 'profile', 'email', 'roles']) assert.ok(scopes.includes(scope))
    assert.ok((metadata.claims_supported as string[]).includes('roles'))
  })

  it('is not frameable (D-29)', async () => {
    const response = await fetch(`${fixture.idp.issuer}/.well-known/openid-configuration`)
    assert.equal(response.headers.get('x-frame-options'), 'DENY')
    assert.match(response.headers.get('content-security-policy') ?? '', /frame-ancestors 'none'/)
  })
})
