import assert from 'node:assert/strict'
import { after, before, beforeEach, describe, it } from 'node:test'
import { calculateJwkThumbprint } from 'jose'
import { createDpopKey, createDpopProof } from '../../test/support/dpop-proof.ts'
import { AUDIENCE, startLocalIssuer, type LocalIssuer } from '../../test/support/local-issuer.ts'
import { bearer, createClock, refusal } from '../../test/support/refusal.ts'
import { createTokenVerifier, type TokenVerifierOptions } from '../index.ts'

const CLIENT = { clientId: 'articles:api', clientSecret: 's3cret/+=' }

describe('opaque tokens by introspection (RFC 7662)', () => {
  let issuer: LocalIssuer
  let asked: { body: URLSearchParams; authorization: string | undefined }[]
  let answer: Record<string, unknown>
  const clock = createClock()
  const verifierWith = (options: Partial<TokenVerifierOptions> = {}) =>
    createTokenVerifier({
      issuer: issuer.issuer,
      audience: AUDIENCE,
      publicUrl: 'https://api.example.test',
      introspection: CLIENT,
      now: clock.now,
      onFailure: () => {},
      ...options,
    })

  before(async () => {
    issuer = await startLocalIssuer()
    issuer.introspection = (body, authorization) => {
      asked.push({ body, authorization })
      return answer
    }
  })
  beforeEach(() => {
    asked = []
    const now = Math.floor(clock.now() / 1000)
    answer = {
      active: true,
      iss: issuer.issuer,
      aud: AUDIENCE,
      sub: 'user-1',
      client_id: 'spa',
      scope: 'articles:read',
      exp: now + 300,
      iat: now,
      token_type: 'Bearer',
    }
  })
  after(() => issuer.close())

  it('authenticates as the API and accepts an active token for this API (S-10, S-11)', async () => {
    const result = await verifierWith().verify(bearer('opaque-1'))
    assert.equal(result.claims.sub, 'user-1')
    assert.deepEqual(result.token, { type: 'opaque', scheme: 'Bearer' })
    assert.equal(asked.length, 1)
    assert.equal(asked[0]!.body.get('token'), 'opaque-1')
    assert.equal(asked[0]!.body.get('token_type_hint'), 'access_token')
    // RFC 6749 §2.3.1: id and secret form-encoded, then base64.
    const basic = atob(asked[0]!.authorization?.replace(/^Basic /, '') ?? '')
    assert.equal(basic, 'articles%3Aapi:s3cret%2F%2B%3D')
  })

  it('can send the client credentials in the body instead', async () => {
    const post = verifierWith({ introspection: { ...CLIENT, authMethod: 'client_secret_post' } })
    await post.verify(bearer('opaque-post'))
    assert.equal(asked[0]!.authorization, undefined)
    assert.equal(asked[0]!.body.get('client_secret'), CLIENT.clientSecret)
  })

  const refusedAnswers: [string, Record<string, unknown>, string][] = [
    ['inactive', { active: false }, 'token_inactive'],
    ['"active" not exactly true', { active: 'true' }, 'token_inactive'],
    ['for no audience', { aud: undefined }, 'audience_mismatch'],
    ['for another API', { aud: ['https://other.test'] }, 'audience_mismatch'],
    ['from another issuer', { iss: 'https://evil.test' }, 'issuer_mismatch'],
    ['expired', { exp: 1000 }, 'expired'],
    ['without exp', { exp: undefined }, 'claim_missing'],
    ['without client_id', { client_id: undefined }, 'claim_missing'],
    ['a refresh token', { token_type: 'refresh_token' }, 'claim_invalid'],
  ]
  for (const [what, change, reason] of refusedAnswers) {
    it(`refuses a token the server answers ${what} for (S-11)`, async () => {
      Object.assign(answer, change)
      for (const [name, value] of Object.entries(change))
        if (value === undefined) delete answer[name]
      const error = await refusal(verifierWith().verify(bearer(`opaque-${reason}-${what.length}`)))
      assert.equal(error.reason, reason)
      assert.equal(error.status, 401)
    })
  }

  it('checks required scopes on introspected tokens too (S-11)', async () => {
    const error = await refusal(
      verifierWith({ requiredScopes: ['articles:write'] }).verify(bearer('opaque-scope')),
    )
    assert.equal(error.code, 'insufficient_scope')
  })

  it('caches an answer for the TTL at most, then asks again (S-12)', async () => {
    const verifier = verifierWith({ introspection: { ...CLIENT, cacheTtlSeconds: 30 } })
    await verifier.verify(bearer('opaque-cached'))
    clock.advance(29)
    await verifier.verify(bearer('opaque-cached'))
    assert.equal(asked.length, 1)
    clock.advance(2)
    answer = { active: false } // revoked meanwhile
    const error = await refusal(verifier.verify(bearer('opaque-cached')))
    assert.equal(error.reason, 'token_inactive')
    assert.equal(asked.length, 2)
  })

  it('never caches past the token exp (S-12)', async () => {
    answer.exp = Math.floor(clock.now() / 1000) + 10
    const verifier = verifierWith()
    await verifier.verify(bearer('opaque-short'))
    clock.advance(11)
    answer = { active: false }
    await refusal(verifier.verify(bearer('opaque-short')))
    assert.equal(asked.length, 2)
  })

  it('does not cache refusals', async () => {
    answer.aud = 'https://other.test'
    const verifier = verifierWith()
    await refusal(verifier.verify(bearer('opaque-refused')))
    await refusal(verifier.verify(bearer('opaque-refused')))
    assert.equal(asked.length, 2)
  })

  it('requires the DPoP proof for a token the answer binds with cnf.jkt (S-13)', async () => {
    const key = await createDpopKey()
    Object.assign(answer, {
      cnf: { jkt: await calculateJwkThumbprint(key.publicJwk) },
      token_type: 'DPoP',
    })
    const verifier = verifierWith()
    assert.equal(
      (await refusal(verifier.verify(bearer('opaque-bound')))).reason,
      'bound_token_as_bearer',
    )
    const dpop = await createDpopProof({
      key,
      method: 'GET',
      url: 'https://api.example.test/articles',
      accessToken: 'opaque-bound',
    })
    const result = await verifier.verify({
      method: 'GET',
      url: '/articles',
      headers: { authorization: 'DPoP opaque-bound', dpop },
    })
    assert.deepEqual(result.token, { type: 'opaque', scheme: 'DPoP' })
  })

  it('answers 503 when the introspection endpoint fails', async () => {
    const verifier = verifierWith({
      introspection: { ...CLIENT, endpoint: `${issuer.issuer}/missing` },
    })
    const error = await refusal(verifier.verify(bearer('opaque-down')))
    assert.equal(error.status, 503)
  })
})
