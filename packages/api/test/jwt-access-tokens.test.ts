// S-01..S-07 with real tokens from the dev IdP, keys found through its discovery document.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { base64url, SignJWT } from 'jose'
import { createTokenVerifier, type TokenVerifierOptions } from '../src/index.ts'
import {
  API,
  OTHER_API,
  startIdp,
  USERS,
  type IdpFixture,
  type LoginTokens,
} from './support/idp.ts'
import { bearer, createClock, refusal } from './support/refusal.ts'

describe('JWT access tokens from the dev IdP (S-01..S-07)', { timeout: 30_000 }, () => {
  let idp: IdpFixture
  let alice: LoginTokens
  const fetched: string[] = []
  const clock = createClock()
  const verifierWith = (options: Partial<TokenVerifierOptions> = {}) =>
    createTokenVerifier({
      issuer: idp.issuer,
      audience: API,
      dpop: false,
      now: clock.now,
      onFailure: () => {},
      fetch: async (input, init) => {
        fetched.push(new URL(input instanceof Request ? input.url : input).pathname)
        return fetch(input, init)
      },
      ...options,
    })
  before(async () => {
    idp = await startIdp()
    alice = await idp.logIn('alice')
  })
  after(() => idp.close())

  it('accepts a real access token, finding the keys through discovery once (S-04, S-07)', async () => {
    const verifier = verifierWith()
    for (let i = 0; i < 3; i++) {
      const { claims, token } = await verifier.verify(bearer(alice.accessToken))
      assert.equal(claims.sub, USERS.alice.sub)
      assert.deepEqual(claims.roles, ['admin'])
      assert.deepEqual(token, { type: 'jwt', scheme: 'Bearer' })
    }
    assert.deepEqual(fetched, ['/.well-known/openid-configuration', '/jwks'])
  })

  it('carries every claim RFC 9068 requires (S-06)', async () => {
    const { claims } = await verifierWith().verify(bearer(alice.accessToken))
    for (const claim of ['iss', 'exp', 'aud', 'sub', 'client_id', 'iat', 'jti']) {
      assert.ok(claims[claim] !== undefined, claim)
    }
  })

  it('refuses an ID token presented as an access token (S-01)', async () => {
    const error = await refusal(verifierWith().verify(bearer(alice.idToken)))
    assert.equal(error.reason, 'typ_invalid')
    assert.equal(error.code, 'invalid_token')
  })

  it('refuses a token whose issuer is not the configured one (S-02)', async () => {
    const verifier = verifierWith({
      issuer: 'https://idp.example.test',
      jwksUri: `${idp.issuer}/jwks`,
    })
    assert.equal(
      (await refusal(verifier.verify(bearer(alice.accessToken)))).reason,
      'issuer_mismatch',
    )
  })

  it('refuses a token issued for another API (S-03)', async () => {
    const other = await idp.logIn('alice', { resource: OTHER_API })
    const error = await refusal(verifierWith().verify(bearer(other.accessToken)))
    assert.equal(error.reason, 'audience_mismatch')
  })

  it('refuses alg none and HS256 keyed with the IdP’s public key (S-04)', async () => {
    const [, payload = ''] = alice.accessToken.split('.')
    const none = `${base64url.encode('{"alg":"none","typ":"at+jwt"}')}.${payload}.`
    const jwks = (await (await fetch(`${idp.issuer}/jwks`)).json()) as { keys: object[] }
    const claims = JSON.parse(new TextDecoder().decode(base64url.decode(payload)))
    const confused = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'HS256', typ: 'at+jwt' })
      .sign(new TextEncoder().encode(JSON.stringify(jwks.keys[0])))
    for (const token of [none, confused]) {
      assert.equal((await refusal(verifierWith().verify(bearer(token)))).reason, 'alg_not_allowed')
    }
  })

  it('refuses the token once expired, beyond the small leeway (S-05)', async () => {
    const verifier = verifierWith()
    clock.advance(300 + 10)
    try {
      assert.equal((await refusal(verifier.verify(bearer(alice.accessToken)))).reason, 'expired')
    } finally {
      clock.advance(-(300 + 10))
    }
  })

  it('refuses a token in the query string (S-09)', async () => {
    const request = {
      method: 'GET',
      url: `/articles?access_token=${alice.accessToken}`,
      headers: {},
    }
    const error = await refusal(verifierWith().verify(request))
    assert.equal(error.status, 400)
    assert.equal(error.code, 'invalid_request')
  })
})
