import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { AuthFailure } from '../errors/internal/auth-failure.ts'
import { readCredentials } from './read-credentials.ts'
import type { RequestLike } from './request-like.ts'

const BOTH = ['Bearer', 'DPoP'] as const

function reasonOf(request: RequestLike, schemes: readonly ('Bearer' | 'DPoP')[] = BOTH): string {
  try {
    readCredentials(request, schemes)
  } catch (error) {
    assert.ok(error instanceof AuthFailure)
    return error.reason
  }
  return 'accepted'
}

const get = (headers: RequestLike['headers'], url = '/articles', body?: unknown): RequestLike => ({
  method: 'GET',
  url,
  headers,
  ...(body === undefined ? {} : { body }),
})

describe('reading the access token (S-09)', () => {
  it('reads a Bearer or DPoP token from the Authorization header, scheme in any case', () => {
    assert.deepEqual(readCredentials(get({ authorization: 'Bearer abc.def-_~+/=' }), BOTH), {
      scheme: 'Bearer',
      token: 'abc.def-_~+/=',
    })
    const web = get(new Headers({ Authorization: 'dpop xyz' }))
    assert.deepEqual(readCredentials(web, BOTH), { scheme: 'DPoP', token: 'xyz' })
  })

  it('refuses a token in the query string, even next to a header (S-09)', () => {
    assert.equal(reasonOf(get({}, '/articles?access_token=abc')), 'token_in_query')
    const both = get({ authorization: 'Bearer abc' }, '/articles?access_token=abc')
    assert.equal(reasonOf(both), 'token_in_query')
  })

  it('refuses a token in a parsed form body (S-09)', () => {
    assert.equal(reasonOf(get({}, '/articles', { access_token: 'abc' })), 'token_in_body')
  })

  it('answers a request without credentials with a bare challenge', () => {
    assert.equal(reasonOf(get({})), 'token_missing')
    assert.equal(reasonOf(get({ authorization: 'Bearer' })), 'token_missing')
    assert.equal(reasonOf(get({ authorization: 'Basic dXNlcjpwdw==' })), 'scheme_unsupported')
  })

  it('never reads Proxy-Authorization (RFC 9449 §7.1, S-24)', () => {
    assert.equal(reasonOf(get({ 'proxy-authorization': 'DPoP abc' })), 'token_missing')
  })

  it('refuses two Authorization headers or a malformed one', () => {
    assert.equal(
      reasonOf(get({ authorization: ['Bearer a', 'Bearer b'] })),
      'authorization_malformed',
    )
    assert.equal(reasonOf(get({ authorization: 'Bearer a, Bearer b' })), 'authorization_malformed')
    assert.equal(reasonOf(get({ authorization: 'Bearer a b' })), 'authorization_malformed')
    assert.equal(reasonOf(get({ authorization: 'Bearer a"b' })), 'authorization_malformed')
  })

  it('refuses the DPoP scheme when only Bearer is accepted', () => {
    assert.equal(reasonOf(get({ authorization: 'DPoP abc' }), ['Bearer']), 'scheme_unsupported')
  })
})
