import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { calculateJwkThumbprint, exportJWK } from 'jose'
import {
  createDpopKey,
  createDpopProof,
  type DpopKey,
  type ProofInput,
} from '../../test/support/dpop-proof.ts'
import { AUDIENCE, startLocalIssuer, type LocalIssuer } from '../../test/support/local-issuer.ts'
import { bearer, createClock, refusal } from '../../test/support/refusal.ts'
import { createTokenVerifier, type ReplayCache, type TokenVerifierOptions } from '../index.ts'
import { createRotatingDpopNonce } from './dpop-nonce.ts'

const PUBLIC = 'https://api.example.test'
// What the API sees behind its proxy: an internal host, the public path.
const INTERNAL_URL = 'http://10.0.0.5:3000/articles?page=2'

describe('DPoP at the resource server (RFC 9449)', () => {
  let issuer: LocalIssuer
  let key: DpopKey
  let token: string
  const clock = createClock()
  const verifierWith = (options: Partial<TokenVerifierOptions> = {}) =>
    createTokenVerifier({
      issuer: issuer.issuer,
      audience: AUDIENCE,
      publicUrl: PUBLIC,
      now: clock.now,
      onFailure: () => {},
      ...options,
    })
  let verifier: ReturnType<typeof verifierWith>

  before(async () => {
    issuer = await startLocalIssuer()
    key = await createDpopKey()
    token = await issuer.sign({ cnf: { jkt: await calculateJwkThumbprint(key.publicJwk) } })
    verifier = verifierWith()
  })
  after(() => issuer.close())

  const proof = (overrides: Partial<ProofInput> = {}) =>
    createDpopProof({
      key,
      method: 'GET',
      url: `${PUBLIC}/articles`,
      accessToken: token,
      ...overrides,
    })
  const dpopRequest = (proofs: string | string[], accessToken = token) => ({
    method: 'GET',
    url: INTERNAL_URL,
    headers: { authorization: `DPoP ${accessToken}`, dpop: proofs, host: '10.0.0.5:3000' },
  })
  const reasonFor = async (proofs: string | string[], target = verifier) =>
    (await refusal(target.verify(dpopRequest(proofs)))).reason

  it('accepts a bound token with a valid proof for the public URL (S-20)', async () => {
    const result = await verifier.verify(dpopRequest(await proof()))
    assert.deepEqual(result.token, { type: 'jwt', scheme: 'DPoP' })
  })

  it('refuses a DPoP-bound token presented as Bearer: downgrade (S-21)', async () => {
    const error = await refusal(verifier.verify(bearer(token)))
    assert.equal(error.reason, 'bound_token_as_bearer')
    assert.equal(error.status, 401)
    assert.match(error.wwwAuthenticate ?? '', /^DPoP error="invalid_token", algs="ES256 /)
  })

  it('refuses a bound token as Bearer with a Bearer challenge when DPoP is off (S-21)', async () => {
    const error = await refusal(verifierWith({ dpop: false }).verify(bearer(token)))
    assert.equal(error.reason, 'bound_token_as_bearer')
    assert.equal(error.wwwAuthenticate, 'Bearer error="invalid_token"')
  })

  it('refuses an unbound token presented with the DPoP scheme', async () => {
    const unbound = await issuer.sign()
    const request = dpopRequest(await proof({ accessToken: unbound }), unbound)
    assert.equal((await refusal(verifier.verify(request))).reason, 'token_not_bound')
  })

  it('requires exactly one proof (S-20)', async () => {
    assert.equal(await reasonFor([]), 'dpop_proof_missing')
    assert.equal(await reasonFor([await proof(), await proof()]), 'dpop_proof_multiple')
    assert.equal(await reasonFor(`${await proof()}, ${await proof()}`), 'dpop_proof_multiple')
    assert.equal(await reasonFor('not-a-jwt'), 'dpop_proof_invalid')
  })

  it('checks typ, alg and the embedded public key (S-20)', async () => {
    const other = await createDpopKey()
    const privateJwk = await exportJWK(key.keyPair.privateKey)
    const cases: Partial<ProofInput>[] = [
      { header: { typ: 'JWT' } },
      { header: { typ: undefined } },
      { header: { jwk: undefined } },
      { header: { jwk: privateJwk } },
      { signWith: other.keyPair.privateKey },
    ]
    for (const overrides of cases) {
      const error = await refusal(verifier.verify(dpopRequest(await proof(overrides))))
      assert.equal(
        error.reason,
        'dpop_proof_invalid',
        JSON.stringify(overrides.header ?? 'signWith'),
      )
      assert.match(error.wwwAuthenticate ?? '', /^DPoP error="invalid_dpop_proof", algs=/)
    }
    const es256Only = verifierWith({ dpop: { algorithms: ['PS256'] } })
    assert.equal(await reasonFor(await proof(), es256Only), 'dpop_proof_invalid')
  })

  for (const claim of ['jti', 'htm', 'htu', 'iat', 'ath']) {
    it(`refuses a proof without ${claim} (S-20)`, async () => {
      assert.equal(
        await reasonFor(await proof({ claims: { [claim]: undefined } })),
        'dpop_proof_invalid',
      )
    })
  }

  it('matches htm and htu against the public URL, not the Host header (S-20)', async () => {
    assert.equal(await reasonFor(await proof({ method: 'POST' })), 'dpop_htm_mismatch')
    assert.equal(await reasonFor(await proof({ url: `${PUBLIC}/comments` })), 'dpop_htu_mismatch')
    assert.equal(await reasonFor(await proof({ url: INTERNAL_URL })), 'dpop_htu_mismatch')
    // Same URL written differently: query and fragment ignored, RFC 3986 normalisation.
    await verifier.verify(
      dpopRequest(await proof({ url: 'HTTPS://API.example.test:443/%61rticles?x#y' })),
    )
  })

  it('accepts proofs only within the iat window (S-20, S-22)', async () => {
    const now = Math.floor(clock.now() / 1000)
    assert.equal(await reasonFor(await proof({ claims: { iat: now - 70 } })), 'dpop_iat_invalid')
    assert.equal(await reasonFor(await proof({ claims: { iat: now + 30 } })), 'dpop_iat_invalid')
    await verifier.verify(dpopRequest(await proof({ claims: { iat: now - 50 } })))
  })

  it('refuses a proof made for another token: ath (S-20)', async () => {
    assert.equal(
      await reasonFor(await proof({ accessToken: 'another-token' })),
      'dpop_ath_mismatch',
    )
  })

  it('refuses a valid proof by a key the token is not bound to: cnf.jkt (S-20)', async () => {
    const error = await refusal(
      verifier.verify(dpopRequest(await proof({ key: await createDpopKey() }))),
    )
    assert.equal(error.reason, 'dpop_jkt_mismatch')
    assert.equal(error.code, 'invalid_token')
  })

  it('refuses a replayed proof (S-22)', async () => {
    const once = await proof()
    await verifier.verify(dpopRequest(once))
    assert.equal(await reasonFor(once), 'dpop_replayed')
  })

  it('stores a bounded hash of jti and htu in the replay cache, for the window (S-22)', async () => {
    const seen: [string, number][] = []
    const replayCache: ReplayCache = { seenOnce: async (k, ttl) => (seen.push([k, ttl]), true) }
    const jti = 'a-client-chosen-jti'
    await verifierWith({ dpop: { replayCache } }).verify(
      dpopRequest(await proof({ claims: { jti } })),
    )
    assert.equal(seen.length, 1)
    assert.doesNotMatch(seen[0]![0], /a-client-chosen-jti|articles/)
    assert.ok(seen[0]![0].length < 60)
    assert.equal(seen[0]![1], 60 + 2 * 5)
    assert.equal(
      await reasonFor(await proof({ claims: { jti: 'x'.repeat(300) } })),
      'dpop_proof_invalid',
    )
  })

  it('asks for a server nonce, then accepts it; a stale one is asked again (S-23)', async () => {
    const nonce = createRotatingDpopNonce({ now: clock.now, rotationSeconds: 60 })
    const withNonce = verifierWith({ dpop: { nonce } })
    const missing = await refusal(withNonce.verify(dpopRequest(await proof())))
    assert.equal(missing.code, 'use_dpop_nonce')
    assert.equal(missing.status, 401)
    assert.match(missing.wwwAuthenticate ?? '', /^DPoP error="use_dpop_nonce", algs=/)
    assert.ok(missing.dpopNonce !== undefined && (await nonce.check(missing.dpopNonce)))
    await withNonce.verify(dpopRequest(await proof({ nonce: missing.dpopNonce })))
    const stale = await refusal(
      withNonce.verify(dpopRequest(await proof({ nonce: 'stale.nonce' }))),
    )
    assert.equal(stale.reason, 'dpop_nonce_invalid')
  })

  it('refuses Bearer altogether when DPoP is required, challenging with DPoP only (S-24)', async () => {
    const required = verifierWith({ dpop: { required: true } })
    const error = await refusal(required.verify(bearer(await issuer.sign())))
    assert.equal(error.reason, 'scheme_unsupported')
    assert.match(error.wwwAuthenticate ?? '', /^DPoP algs="ES256 PS256 RS256 EdDSA Ed25519"$/)
  })

  it('requires publicUrl when DPoP is on (start-up check)', () => {
    assert.throws(
      () => createTokenVerifier({ issuer: issuer.issuer, audience: AUDIENCE }),
      /publicUrl/,
    )
  })
})
