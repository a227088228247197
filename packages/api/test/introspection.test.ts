// S-10..S-13 against the real dev IdP's introspection endpoint.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { calculateJwkThumbprint } from 'jose'
import { createTokenVerifier, type TokenVerifierOptions } from '../src/index.ts'
import { createDpopKey, createDpopProof } from './support/dpop-proof.ts'
import { API, API_CLIENT, startIdp, USERS, type IdpFixture } from './support/idp.ts'
import { bearer, createClock, refusal } from './support/refusal.ts'

describe('introspection against the dev IdP (S-10..S-13)', { timeout: 30_000 }, () => {
  let idp: IdpFixture
  const clock = createClock()
  const verifierWith = (options: Partial<TokenVerifierOptions> = {}) =>
    createTokenVerifier({
      issuer: idp.issuer,
      audience: API,
      publicUrl: 'https://api.example.test',
      introspection: { clientId: API_CLIENT.id, clientSecret: API_CLIENT.secret },
      now: clock.now,
      onFailure: () => {},
      ...options,
    })
  before(async () => {
    idp = await startIdp()
  })
  after(() => idp.close())

  it('accepts an active opaque token for this API, with the user’s roles (S-10, S-11)', async () => {
    const token = await idp.mintOpaqueToken({ user: 'bob' })
    const result = await verifierWith().verify(bearer(token))
    assert.equal(result.token.type, 'opaque')
    assert.equal(result.claims.sub, USERS.bob.sub)
    assert.equal(result.claims.client_id, 'bff')
    assert.deepEqual(result.claims.roles, ['editor'])
  })

  it('refuses an opaque token the IdP issued for no API: userinfo only (S-11)', async () => {
    const { accessToken } = await idp.logIn('alice', { resource: undefined })
    assert.equal(accessToken.split('.').length, 1)
    const error = await refusal(verifierWith().verify(bearer(accessToken)))
    assert.equal(error.reason, 'audience_mismatch')
  })

  it('refuses an opaque token issued for another API (S-11)', async () => {
    const token = await idp.mintOpaqueToken({
      user: 'bob',
      audience: 'https://other-api.example.test',
    })
    assert.equal((await refusal(verifierWith().verify(bearer(token)))).reason, 'audience_mismatch')
  })

  it('refuses an unknown token: the IdP answers active false (S-11)', async () => {
    const error = await refusal(verifierWith().verify(bearer('never-issued-token')))
    assert.equal(error.reason, 'token_inactive')
    assert.equal(error.status, 401)
  })

  it('cannot introspect without the API’s credentials: the endpoint requires them (S-10)', async () => {
    const token = await idp.mintOpaqueToken({ user: 'bob' })
    const wrongSecret = verifierWith({
      introspection: { clientId: API_CLIENT.id, clientSecret: 'wrong-secret' },
    })
    const error = await refusal(wrongSecret.verify(bearer(token)))
    assert.equal(error.code, 'temporarily_unavailable') // a configuration fault, never a yes
  })

  it('sees a revocation once the short cache TTL has passed (S-12)', async () => {
    const token = await idp.mintOpaqueToken({ user: 'bob' })
    const verifier = verifierWith({
      introspection: {
        clientId: API_CLIENT.id,
        clientSecret: API_CLIENT.secret,
        cacheTtlSeconds: 30,
      },
    })
    await verifier.verify(bearer(token))
    await idp.revokeOpaqueToken(token)
    await verifier.verify(bearer(token)) // cached: the revocation is not seen yet
    clock.advance(31)
    try {
      assert.equal((await refusal(verifier.verify(bearer(token)))).reason, 'token_inactive')
    } finally {
      clock.advance(-31)
    }
  })

  it('checks the DPoP proof itself for a token introspected with cnf.jkt (S-13)', async () => {
    const key = await createDpopKey()
    const token = await idp.mintOpaqueToken({
      user: 'bob',
      jkt: await calculateJwkThumbprint(key.publicJwk),
    })
    const verifier = verifierWith()
    assert.equal((await refusal(verifier.verify(bearer(token)))).reason, 'bound_token_as_bearer')
    const proofFor = (signer = key) =>
      createDpopProof({
        key: signer,
        method: 'GET',
        url: 'https://api.example.test/articles',
        accessToken: token,
      })
    const request = (dpop: string) => ({
      method: 'GET',
      url: '/articles',
      headers: { authorization: `DPoP ${token}`, dpop },
    })
    const result = await verifier.verify(request(await proofFor()))
    assert.deepEqual(result.token, { type: 'opaque', scheme: 'DPoP' })
    const stolen = await refusal(verifier.verify(request(await proofFor(await createDpopKey()))))
    assert.equal(stolen.reason, 'dpop_jkt_mismatch')
  })
})
