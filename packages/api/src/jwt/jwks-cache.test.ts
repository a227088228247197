import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { AUDIENCE, startLocalIssuer, type LocalIssuer } from '../../test/support/local-issuer.ts'
import { bearer, createClock, refusal } from '../../test/support/refusal.ts'
import { createTokenVerifier } from '../index.ts'

describe('JWKS handling (S-07)', () => {
  let issuer: LocalIssuer
  let attacker: LocalIssuer
  before(async () => {
    issuer = await startLocalIssuer()
    attacker = await startLocalIssuer()
  })
  after(async () => {
    await issuer.close()
    await attacker.close()
  })

  const createVerifier = (clock = createClock()) =>
    createTokenVerifier({
      issuer: issuer.issuer,
      audience: AUDIENCE,
      dpop: false,
      jwksCooldownSeconds: 30,
      jwksMaxAgeSeconds: 600,
      now: clock.now,
      onFailure: () => {},
    })

  it('discovers jwks_uri once and fetches the JWKS once for many tokens', async () => {
    const before = issuer.requests.length
    const fetchesBefore = issuer.jwksFetches
    const verifier = createVerifier()
    await Promise.all(
      Array.from({ length: 5 }, async () => verifier.verify(bearer(await issuer.sign()))),
    )
    await verifier.verify(bearer(await issuer.sign()))
    assert.equal(issuer.jwksFetches - fetchesBefore, 1)
    assert.deepEqual(issuer.requests.slice(before), [
      'GET /.well-known/openid-configuration',
      'GET /jwks',
    ])
  })

  it('refetches on an unknown kid, so a key rotated in at the IdP works at once', async () => {
    const clock = createClock()
    const verifier = createVerifier(clock)
    await verifier.verify(bearer(await issuer.sign()))
    const rotated = await issuer.createKey()
    issuer.published.unshift(rotated)
    clock.advance(31)
    const fetches = issuer.jwksFetches
    await verifier.verify(bearer(await issuer.sign({}, {}, rotated)))
    await verifier.verify(bearer(await issuer.sign({}, {}, rotated)))
    assert.equal(issuer.jwksFetches, fetches + 1)
    issuer.published.shift()
  })

  it('does not refetch for unknown kids within the cooldown (no amplification)', async () => {
    const clock = createClock()
    const verifier = createVerifier(clock)
    await verifier.verify(bearer(await issuer.sign()))
    const fetches = issuer.jwksFetches
    const unpublished = await issuer.createKey()
    for (let i = 0; i < 5; i++) {
      const error = await refusal(verifier.verify(bearer(await issuer.sign({}, {}, unpublished))))
      assert.equal(error.reason, 'key_not_found')
    }
    assert.equal(issuer.jwksFetches, fetches)
    clock.advance(31)
    await refusal(verifier.verify(bearer(await issuer.sign({}, {}, unpublished))))
    assert.equal(issuer.jwksFetches, fetches + 1)
  })

  it('refetches a JWKS older than its maximum age', async () => {
    const clock = createClock()
    const verifier = createVerifier(clock)
    await verifier.verify(bearer(await issuer.sign()))
    const fetches = issuer.jwksFetches
    clock.advance(601)
    const now = Math.floor(clock.now() / 1000)
    await verifier.verify(bearer(await issuer.sign({ iat: now, exp: now + 300 })))
    assert.equal(issuer.jwksFetches, fetches + 1)
  })

  for (const parameter of ['jku', 'x5u'] as const) {
    it(`never fetches keys from a token's ${parameter} header`, async () => {
      const verifier = createVerifier()
      const key = attacker.published[0]
      const forged = await issuer.sign({}, { [parameter]: `${attacker.issuer}/jwks` }, key)
      const error = await refusal(verifier.verify(bearer(forged)))
      assert.equal(error.reason, 'key_not_found')
      assert.deepEqual(attacker.requests, [])
    })
  }

  it("never verifies with a key embedded in the token's jwk header", async () => {
    const key = attacker.published[0]!
    const forged = await issuer.sign({}, { jwk: key.publicJwk, kid: undefined }, key)
    const error = await refusal(createVerifier().verify(bearer(forged)))
    assert.ok(['signature_invalid', 'key_not_found'].includes(error.reason))
  })
})
