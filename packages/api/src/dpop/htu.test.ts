import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { normalizeHtu } from './htu.ts'

describe('htu normalisation (RFC 3986 §6.2.2-6.2.3, S-20)', () => {
  it('ignores query and fragment', () => {
    assert.equal(normalizeHtu('https://api.test/a?x=1#f'), 'https://api.test/a')
  })

  it('normalises case, default port, dot segments and the empty path', () => {
    assert.equal(normalizeHtu('HTTPS://API.Test:443/a/./b/../c'), 'https://api.test/a/c')
    assert.equal(normalizeHtu('http://api.test:80'), 'http://api.test/')
    assert.equal(normalizeHtu('https://api.test:8443/x'), 'https://api.test:8443/x')
  })

  it('normalises percent-encoding: unreserved decoded, the rest upper-case', () => {
    assert.equal(
      normalizeHtu('https://api.test/%61rticles/%7e%2f'),
      'https://api.test/articles/~%2F',
    )
  })

  it('keeps path case and refuses anything but http(s)', () => {
    assert.notEqual(normalizeHtu('https://api.test/A'), normalizeHtu('https://api.test/a'))
    assert.equal(normalizeHtu('ftp://api.test/a'), undefined)
    assert.equal(normalizeHtu('/relative'), undefined)
  })
})
