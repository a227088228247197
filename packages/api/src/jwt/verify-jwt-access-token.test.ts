import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { base64url, exportSPKI, SignJWT } from 'jose'
import { AUDIENCE, startLocalIssuer, type LocalIssuer } from '../../test/support/local-issuer.ts'
import { bearer, createClock, refusal } from '../../test/support/refusal.ts'
import { createTokenVerifier, verifyAccessToken, type TokenVerifierOptions } from '../index.ts'

describe('JWT access tokens (RFC 9068)', () => {
  let issuer: LocalIssuer
  const clock = createClock()
  const verifierWith = (options: Partial<TokenVerifierOptions> = {}) =>
    createTokenVerifier({
      issuer: issuer.issuer,
      audience: AUDIENCE,
      dpop: false,
      realm: 'articles',
      now: clock.now,
      onFailure: () => {},
      ...options,
    })
  let verifier: ReturnType<typeof verifierWith>
  before(async () => {
    issuer = await startLocalIssuer()
    verifier = verifierWith()
  })
  after(() => issuer.close())

  it('accepts a valid access token and returns its claims', async () => {
    const result = await verifier.verify(bearer(await issuer.sign({ sub: 'u-42' })))
    assert.equal(result.claims.sub, 'u-42')
    assert.deepEqual(result.token, { type: 'jwt', scheme: 'Bearer' })
  })

  it('refuses an ID token presented as an access token (S-01)', async () => {
    const idToken = await issuer.sign({ nonce: 'n', azp: 'spa' }, { typ: 'JWT' })
    const error = await refusal(verifier.verify(bearer(idToken)))
    assert.equal(error.reason, 'typ_invalid')
    assert.equal(error.status, 401)
    assert.equal(error.wwwAuthenticate, 'Bearer realm="articles", error="invalid_token"')
  })

  it('refuses a token without typ, and accepts application/at+jwt in any case (S-01)', async () => {
    const untyped = await issuer.sign({}, { typ: undefined })
    assert.equal((await refusal(verifier.verify(bearer(untyped)))).reason, 'typ_invalid')
    for (const typ of ['application/at+jwt', 'AT+JWT']) {
      await verifier.verify(bearer(await issuer.sign({}, { typ })))
    }
  })

  it('refuses a token from another issuer (S-02)', async () => {
    const token = await issuer.sign({ iss: `${issuer.issuer}/other` })
    assert.equal((await refusal(verifier.verify(bearer(token)))).reason, 'issuer_mismatch')
  })

  it('refuses a token for another audience, accepts a list naming this API (S-03)', async () => {
    const token = await issuer.sign({ aud: 'https://other-api.example.test' })
    assert.equal((await refusal(verifier.verify(bearer(token)))).reason, 'audience_mismatch')
    await verifier.verify(bearer(await issuer.sign({ aud: ['https://x.test', AUDIENCE] })))
  })

  it('refuses alg none (S-04)', async () => {
    const valid = await issuer.sign()
    const [, payload] = valid.split('.')
    const header = base64url.encode(JSON.stringify({ alg: 'none', typ: 'at+jwt' }))
    const error = await refusal(verifier.verify(bearer(`${header}.${payload}.`)))
    assert.equal(error.reason, 'alg_not_allowed')
  })

  it('refuses HS256 signed with the public key as secret: alg confusion (S-04)', async () => {
    const key = issuer.published[0]!
    const claims = { iss: issuer.issuer, aud: AUDIENCE, sub: 'attacker', client_id: 'x', jti: 'j' }
    const secrets = [
      new TextEncoder().encode(JSON.stringify(key.publicJwk)),
      new TextEncoder().encode(
        await exportSPKI(
          await crypto.subtle.importKey(
            'jwk',
            key.publicJwk,
            { name: 'ECDSA', namedCurve: 'P-256' },
            true,
            ['verify'],
          ),
        ),
      ),
    ]
    for (const secret of secrets) {
      const forged = await new SignJWT(claims)
        .setProtectedHeader({ alg: 'HS256', typ: 'at+jwt', kid: key.kid })
        .setIssuedAt()
        .setExpirationTime('5m')
        .sign(secret)
      assert.equal((await refusal(verifier.verify(bearer(forged)))).reason, 'alg_not_allowed')
    }
  })

  it('refuses an algorithm the API did not choose, even with a valid key (S-04)', async () => {
    const rsa = await issuer.createKey('RS256')
    issuer.published.push(rsa)
    const token = await issuer.sign({}, {}, rsa)
    const esOnly = verifierWith({ algorithms: ['ES256'] })
    assert.equal((await refusal(esOnly.verify(bearer(token)))).reason, 'alg_not_allowed')
    await verifierWith().verify(bearer(token)) // a fresh cache sees the new key
    issuer.published.pop()
  })

  it('refuses a token signed by a key that is not the published one', async () => {
    const impostor = await issuer.createKey()
    const token = await issuer.sign({}, { kid: issuer.published[0]!.kid }, impostor)
    assert.equal((await refusal(verifier.verify(bearer(token)))).reason, 'signature_invalid')
  })

  it('refuses an expired token, within leeway accepts it (S-05)', async () => {
    const now = Math.floor(clock.now() / 1000)
    const expired = await issuer.sign({ exp: now - 10, iat: now - 310 })
    assert.equal((await refusal(verifier.verify(bearer(expired)))).reason, 'expired')
    await verifier.verify(bearer(await issuer.sign({ exp: now - 3, iat: now - 303 })))
  })

  it('refuses a token whose nbf is in the future (S-05)', async () => {
    const nbf = Math.floor(clock.now() / 1000) + 60
    const error = await refusal(verifier.verify(bearer(await issuer.sign({ nbf }))))
    assert.equal(error.reason, 'not_yet_valid')
  })

  for (const claim of ['iss', 'exp', 'aud', 'sub', 'client_id', 'iat', 'jti']) {
    it(`refuses a token without ${claim} (S-06)`, async () => {
      const token = await issuer.sign({ [claim]: undefined })
      const error = await refusal(verifier.verify(bearer(token)))
      assert.equal(error.code, 'invalid_token')
      assert.equal(error.reason, 'claim_missing')
    })
  }

  it('refuses claims of the wrong type (S-06)', async () => {
    for (const claims of [
      { sub: { id: 1 } },
      { client_id: 7 },
      { scope: ['a'] },
      { cnf: { jkt: 1 } },
    ]) {
      const error = await refusal(verifier.verify(bearer(await issuer.sign(claims))))
      assert.equal(error.reason, 'claim_invalid')
    }
  })

  it('refuses a token bound in a way the API cannot check (mTLS cnf)', async () => {
    const token = await issuer.sign({
      cnf: { 'x5t#S256': 'bwcK0esc3ACC3DB2Y5_lESsXE8o9ltc05O89jdN-dg2' },
    })
    assert.equal((await refusal(verifier.verify(bearer(token)))).reason, 'binding_unsupported')
  })

  it('keeps one verifier per options object in verifyAccessToken', async () => {
    const options = { issuer: issuer.issuer, audience: AUDIENCE, dpop: false as const }
    const fetches = issuer.jwksFetches
    await verifyAccessToken(bearer(await issuer.sign()), options)
    await verifyAccessToken(bearer(await issuer.sign()), options)
    assert.equal(issuer.jwksFetches, fetches + 1)
  })

  it('says nothing that helps an attacker: generic message, no token (S-08)', async () => {
    const token = await issuer.sign({ aud: 'https://other.test' })
    const error = await refusal(verifier.verify(bearer(token)))
    assert.equal(error.message, 'The access token is invalid or expired.')
    assert.doesNotMatch(`${error.message} ${error.wwwAuthenticate}`, /aud|other\.test|eyJ/)
  })

  it('refuses an opaque token when introspection is not configured', async () => {
    const error = await refusal(verifier.verify(bearer('opaque-token-value')))
    assert.equal(error.reason, 'opaque_token_unsupported')
  })

  it('answers 503 without a challenge when the issuer cannot be reached', async () => {
    const down = createTokenVerifier({
      issuer: 'http://127.0.0.1:1',
      audience: AUDIENCE,
      dpop: false,
      onFailure: () => {},
    })
    const error = await refusal(down.verify(bearer(await issuer.sign())))
    assert.equal(error.status, 503)
    assert.equal(error.code, 'temporarily_unavailable')
    assert.equal(error.wwwAuthenticate, undefined)
  })

  it('reports each refusal without the token (S-32)', async () => {
    const events: unknown[] = []
    const logged = verifierWith({ onFailure: (event) => events.push(event) })
    const token = await issuer.sign({ aud: 'https://other.test' })
    await refusal(logged.verify({ ...bearer(token), url: '/articles/1?secret=1' }))
    assert.deepEqual(events, [
      {
        reason: 'audience_mismatch',
        code: 'invalid_token',
        status: 401,
        method: 'GET',
        path: '/articles/1',
      },
    ])
    assert.ok(!JSON.stringify(events).includes(token))
  })

  it('checks required scopes: 403 insufficient_scope naming them', async () => {
    const scoped = verifierWith({ requiredScopes: ['articles:write'] })
    const error = await refusal(
      scoped.verify(bearer(await issuer.sign({ scope: 'articles:read' }))),
    )
    assert.equal(error.status, 403)
    assert.equal(
      error.wwwAuthenticate,
      'Bearer realm="articles", error="insufficient_scope", scope="articles:write"',
    )
    await scoped.verify(bearer(await issuer.sign({ scope: 'articles:read articles:write' })))
  })
})
