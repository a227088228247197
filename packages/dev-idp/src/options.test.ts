import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { resolveOptions } from './options.ts'

describe('resolveOptions', () => {
  it('applies the documented defaults', () => {
    const options = resolveOptions({})
    assert.equal(options.host, '127.0.0.1')
    assert.equal(options.port, 0)
    assert.deepEqual(options.ttl, {
      accessToken: 300,
      idToken: 3600,
      refreshToken: 14 * 24 * 3600,
      session: 24 * 3600,
    })
    assert.equal(options.requirePushedAuthorizationRequests, false)
    assert.ok(Object.isFrozen(options))
  })

  it('strips the trailing slash of an issuer', () => {
    assert.equal(
      resolveOptions({ issuer: 'http://localhost:9000/' }).issuer,
      'http://localhost:9000',
    )
  })

  it('refuses a non-positive or fractional ttl, naming the option', () => {
    assert.throws(() => resolveOptions({ ttl: { accessToken: 0 } }), /`ttl.accessToken`/)
    assert.throws(() => resolveOptions({ ttl: { session: 1.5 } }), /`ttl.session`/)
  })

  it('refuses an API audience that is not an absolute URL without fragment (RFC 8707 §2)', () => {
    assert.throws(() => resolveOptions({ apis: [{ audience: 'api', scopes: [] }] }), /apis\[0\]/)
    assert.throws(
      () => resolveOptions({ apis: [{ audience: 'https://api.test/#x', scopes: [] }] }),
      /fragment/,
    )
  })

  it('refuses scopes with spaces or quotes', () => {
    assert.throws(
      () => resolveOptions({ apis: [{ audience: 'https://api.test', scopes: ['a b'] }] }),
      /scopes/,
    )
  })
})
