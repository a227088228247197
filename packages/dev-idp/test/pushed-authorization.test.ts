import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import * as client from 'openid-client'
import { signIn } from '../src/index.ts'
import { ALICE, API, REDIRECT_URI, startFixture, type Fixture } from './fixture.ts'

describe('PAR-only profile (D-08)', { timeout: 30_000 }, () => {
  let fixture: Fixture
  before(async () => {
    fixture = await startFixture({ requirePushedAuthorizationRequests: true })
  })
  after(() => fixture.close())

  async function parameters() {
    const verifier = client.randomPKCECodeVerifier()
    return {
      verifier,
      parameters: {
        redirect_uri: REDIRECT_URI,
        scope: 'openid profile email api:read',
        code_challenge: await client.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
        resource: API,
        state: 'par-state',
      },
    }
  }

  it('advertises that PAR is required', async () => {
    assert.equal(fixture.config.serverMetadata().require_pushed_authorization_requests, true)
  })

  it('refuses a front-channel authorization request', async () => {
    const { parameters: params } = await parameters()
    const url = client.buildAuthorizationUrl(fixture.config, params)
    const response = await fetch(url, { redirect: 'manual' })
    const location = new URL(response.headers.get('location') ?? '', url)
    assert.equal(location.searchParams.get('error'), 'invalid_request')
  })

  it('completes a flow that pushed its request first', async () => {
    const { verifier, parameters: params } = await parameters()
    const url = await client.buildAuthorizationUrlWithPAR(fixture.config, params)
    const callback = await signIn(url.href, ALICE)
    const tokens = await client.authorizationCodeGrant(fixture.config, new URL(callback), {
      pkceCodeVerifier: verifier,
      expectedState: 'par-state',
    })
    assert.equal(tokens.claims()?.name, 'Alice Example')
  })
})
