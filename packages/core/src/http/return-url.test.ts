import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { CoatcheckError } from '../errors/coatcheck-error.ts'
import { isSafeReturnUrl, resolveReturnUrl, type ReturnUrlOptions } from './return-url.ts'

const options: ReturnUrlOptions = {
  defaultUrl: 'https://app.example.com/home',
  allowedOrigins: new Set(['https://app.example.com', 'https://admin.example.com']),
}

function assertRefused(value: string): void {
  assert.throws(
    () => resolveReturnUrl(value, options),
    (error: unknown) => error instanceof CoatcheckError && error.code === 'invalid_return_to',
    `expected ${JSON.stringify(value)} to be refused`,
  )
  assert.equal(isSafeReturnUrl(value, options), false)
}

describe('resolveReturnUrl', () => {
  it('L-15: uses the default URL when returnTo is missing or empty', () => {
    for (const value of [undefined, null, '']) {
      assert.equal(resolveReturnUrl(value, options), 'https://app.example.com/home')
    }
  })

  it('L-15: resolves a local path against the SPA origin, keeping query and fragment', () => {
    assert.equal(
      resolveReturnUrl('/dashboard?tab=1#x', options),
      'https://app.example.com/dashboard?tab=1#x',
    )
    assert.equal(resolveReturnUrl('/', options), 'https://app.example.com/')
    assert.equal(
      resolveReturnUrl('/search?q=a%20b&next=%2Forders', options),
      'https://app.example.com/search?q=a%20b&next=%2Forders',
    )
  })

  it('L-15: accepts an absolute URL on an allowlisted origin with path and query', () => {
    assert.equal(
      resolveReturnUrl('https://admin.example.com/users?page=2', options),
      'https://admin.example.com/users?page=2',
    )
    assert.ok(isSafeReturnUrl('https://app.example.com', options))
  })

  it('L-15: refuses protocol-relative URLs', () => {
    for (const value of ['//evil.com', '//evil.com/path', '///evil.com']) assertRefused(value)
  })

  it('L-15: refuses backslashes, which browsers read as slashes', () => {
    for (const value of ['/\\evil.com', '\\\\evil', '\\/evil.com', '/a\\b', 'https:\\\\evil.com']) {
      assertRefused(value)
    }
  })

  it('L-15: refuses schemes other than http(s)', () => {
    for (const value of [
      'javascript:alert(1)',
      'JavaScript:alert(1)',
      'data:text/html,<script>alert(1)</script>',
      'vbscript:msgbox',
      'ftp://app.example.com/',
      'http:evil.com',
      'https:/evil.com',
    ]) {
      assertRefused(value)
    }
  })

  it('L-15: refuses absolute URLs on origins that are not allowlisted', () => {
    for (const value of [
      'https://evil.com/',
      'https://app.example.com.evil.com/',
      'http://app.example.com/',
      'https://app.example.com:8443/',
      'https://blog.example.com/',
    ]) {
      assertRefused(value)
    }
  })

  it('L-15: refuses userinfo, which hides the real host', () => {
    for (const value of [
      'https://app.example.com@evil.com',
      'https://app.example.com:443@evil.com/',
      'https://user@app.example.com/',
      'https://user:pass@app.example.com/',
      'https://@app.example.com/',
    ]) {
      assertRefused(value)
    }
  })

  it('L-15: refuses control characters and whitespace, raw or encoded', () => {
    for (const value of [
      '/\t/evil.com',
      '/\n/evil.com',
      '/a\r\nSet-Cookie: x=1',
      ' /dashboard',
      '/dashboard ',
      '/a b',
      '/a\u00a0b',
      '/a\u2028b',
      '/\u202eevil',
      'java\tscript:alert(1)',
      '/a%0d%0aSet-Cookie:%20x=1',
      '/a%0A',
      '/%09/evil.com',
      '/a%00',
      '/a%E2%80%AEb',
    ]) {
      assertRefused(value)
    }
  })

  it('L-15: refuses encoded slashes and backslashes that become protocol-relative', () => {
    for (const value of [
      '%2F%2Fevil.com',
      '/%2F%2Fevil.com',
      '/%2fevil.com',
      '/%5Cevil.com',
      '%5C%5Cevil.com',
      'https://app.example.com/%2F%2Fevil.com',
    ]) {
      assertRefused(value)
    }
  })

  it('L-15: refuses paths the URL parser turns into a leading //', () => {
    for (const value of [
      '/.//evil.com',
      '/a/..//evil.com',
      '/%2e%2e/%2F%2Fevil.com',
      '/./%2Fevil',
    ]) {
      assertRefused(value)
    }
  })

  it('L-15: refuses malformed percent-encoding, including overlong UTF-8', () => {
    for (const value of ['/100%', '/%zz', '/%C0%AF%C0%AFevil.com']) assertRefused(value)
  })

  it('L-15: refuses values that are neither a path nor an http(s) URL', () => {
    for (const value of ['evil.com', 'dashboard', '?next=1', '#top', '.', '..//evil.com']) {
      assertRefused(value)
    }
  })

  it('L-15: refuses values longer than 2048 characters', () => {
    const path = `/${'a'.repeat(2047)}`
    assert.ok(isSafeReturnUrl(path, options))
    assertRefused(`${path}a`)
  })

  it('throws a TypeError for a default URL that is not http(s)', () => {
    assert.throws(
      () => resolveReturnUrl('/x', { ...options, defaultUrl: 'javascript:alert(1)' }),
      TypeError,
    )
  })
})
