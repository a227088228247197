import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { buildChallenge } from './www-authenticate.ts'

const ALGS = ['ES256', 'PS256']

describe('WWW-Authenticate challenges (S-08, S-24)', () => {
  it('challenges every accepted scheme without an error when no token came (RFC 6750 §3.1)', () => {
    const value = buildChallenge({
      schemes: ['Bearer', 'DPoP'],
      realm: 'api',
      dpopAlgorithms: ALGS,
      error: 'missing_token',
    })
    assert.equal(value, 'Bearer realm="api", DPoP realm="api", algs="ES256 PS256"')
  })

  it('puts the error on the scheme used', () => {
    assert.equal(
      buildChallenge({ schemes: ['Bearer'], dpopAlgorithms: ALGS, error: 'invalid_token' }),
      'Bearer error="invalid_token"',
    )
    assert.equal(
      buildChallenge({ schemes: ['DPoP'], dpopAlgorithms: ALGS, error: 'invalid_dpop_proof' }),
      'DPoP error="invalid_dpop_proof", algs="ES256 PS256"',
    )
  })

  it('names the missing scopes of insufficient_scope', () => {
    const value = buildChallenge({
      schemes: ['Bearer'],
      dpopAlgorithms: ALGS,
      error: 'insufficient_scope',
      scope: ['articles:write', 'articles:read'],
    })
    assert.equal(value, 'Bearer error="insufficient_scope", scope="articles:write articles:read"')
  })

  it('escapes quotes in the realm so it cannot inject attributes', () => {
    const value = buildChallenge({ schemes: ['Bearer'], realm: 'a", error="x', dpopAlgorithms: [] })
    assert.equal(value, 'Bearer realm="a\\", error=\\"x"')
  })
})
