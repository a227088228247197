import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { TokenVerifierOptions } from '../token-verifier-options.ts'
import { resolveOptions } from './resolve-options.ts'

const BASE: TokenVerifierOptions = {
  issuer: 'https://idp.example.test',
  audience: 'https://api.example.test',
  publicUrl: 'https://api.example.test',
}

describe('verifier options, checked at start-up', () => {
  it('applies the defaults and freezes them', () => {
    const options = resolveOptions(BASE)
    assert.deepEqual(options.algorithms, ['ES256', 'RS256', 'PS256', 'EdDSA'])
    assert.deepEqual(options.schemes, ['Bearer', 'DPoP'])
    assert.equal(options.clockToleranceSeconds, 5)
    assert.equal(options.introspection, undefined)
    assert.ok(Object.isFrozen(options))
  })

  it('never allows none or HS* as token or proof algorithms (S-04)', () => {
    for (const alg of ['none', 'HS256', 'HS512', 'RSA-OAEP']) {
      assert.throws(() => resolveOptions({ ...BASE, algorithms: [alg] }), /algorithms/)
      assert.throws(() => resolveOptions({ ...BASE, dpop: { algorithms: [alg] } }), /algorithms/)
    }
    assert.throws(() => resolveOptions({ ...BASE, algorithms: [] }), TypeError)
  })

  it('requires TLS to a non-loopback authorization server (S-12)', () => {
    assert.throws(() => resolveOptions({ ...BASE, issuer: 'http://idp.example.test' }), /https/)
    assert.throws(
      () =>
        resolveOptions({
          ...BASE,
          introspection: { clientId: 'a', clientSecret: 'b', endpoint: 'http://idp.test/i' },
        }),
      /https/,
    )
    resolveOptions({ ...BASE, issuer: 'http://127.0.0.1:9000' })
    resolveOptions({ ...BASE, issuer: 'http://idp:9000', allowInsecureRequests: true })
  })

  it('refuses an incomplete introspection client (S-10)', () => {
    const introspection = { clientId: 'api', clientSecret: '' }
    assert.throws(() => resolveOptions({ ...BASE, introspection }), /clientSecret/)
  })

  it('builds the public URL from the configured base, never from the request host (S-20)', () => {
    const options = resolveOptions({ ...BASE, publicUrl: 'https://example.test/api/' })
    const request = { method: 'GET', url: 'http://internal:3000/articles?x=1', headers: {} }
    assert.equal(options.publicUrlOf(request), 'https://example.test/api/articles')
    assert.throws(() => resolveOptions({ ...BASE, publicUrl: 'https://x.test/?q' }), /publicUrl/)
  })

  it('accepts Bearer only with dpop: false, DPoP only when required', () => {
    const { publicUrl: _unused, ...withoutPublicUrl } = BASE
    assert.deepEqual(resolveOptions({ ...withoutPublicUrl, dpop: false }).schemes, ['Bearer'])
    assert.deepEqual(resolveOptions({ ...BASE, dpop: { required: true } }).schemes, ['DPoP'])
  })
})
