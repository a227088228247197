import assert from 'node:assert/strict'
import { randomInt } from 'node:crypto'
import { describe, it } from 'node:test'
import { CookieJar, parseCookieHeader, serializeCookie } from './cookies.ts'

describe('parseCookieHeader', () => {
  it('reads name=value pairs separated by "; " and trims optional whitespace', () => {
    const cookies = parseCookieHeader('a=1; b=two ;c= 3\t;  d=')
    assert.deepEqual(
      [...cookies],
      [
        ['a', '1'],
        ['b', 'two'],
        ['c', '3'],
        ['d', ''],
      ],
    )
  })

  it('keeps the first occurrence of a name', () => {
    assert.equal(parseCookieHeader('sid=first; sid=second').get('sid'), 'first')
  })

  it('skips malformed pairs without throwing, and they never claim a name', () => {
    const cookies = parseCookieHeader('novalue; =anon; bad name=x; a=b c; sid="quoted"; a=ok; é=1')
    assert.deepEqual(
      [...cookies],
      [
        ['sid', 'quoted'],
        ['a', 'ok'],
      ],
    )
  })

  it('returns an empty map for a missing or empty header', () => {
    assert.equal(parseCookieHeader(null).size, 0)
    assert.equal(parseCookieHeader('').size, 0)
    assert.equal(parseCookieHeader(';;;').size, 0)
  })

  it('survives a 16 KiB header of separators and junk, keeping the valid pair', () => {
    const hostile = '='.repeat(8192) + ';'.repeat(4096) + '"'.repeat(4096) + '; sid=ok'
    assert.deepEqual([...parseCookieHeader(hostile)], [['sid', 'ok']])
  })
})

describe('serializeCookie', () => {
  it('writes Secure, HttpOnly, Path=/ by default and SameSite always (C-01..C-04)', () => {
    assert.equal(
      serializeCookie('__Host-Http-s', 'v', { sameSite: 'Strict', maxAge: 60 }),
      '__Host-Http-s=v; Max-Age=60; Path=/; Secure; HttpOnly; SameSite=Strict',
    )
  })

  it('writes Domain and Partitioned only when asked (C-04, C-17)', () => {
    assert.equal(
      serializeCookie('s', 'v', { sameSite: 'None', domain: 'example.com', partitioned: true }),
      's=v; Domain=example.com; Path=/; Secure; HttpOnly; SameSite=None; Partitioned',
    )
  })

  it('refuses values and attributes that would inject a header or attribute', () => {
    const options = { sameSite: 'Lax' } as const
    for (const value of ['a;b', 'a\r\nSet-Cookie: x=y', 'a b', 'a"b', 'a,b', 'a\\b', 'é']) {
      assert.throws(() => serializeCookie('s', value, options), TypeError, value)
    }
    for (const name of ['', 'a b', 'a=b', 'a;b', 'a\nb']) {
      assert.throws(() => serializeCookie(name, 'v', options), TypeError, name)
    }
    assert.throws(
      () => serializeCookie('s', 'v', { ...options, domain: 'x.com; Path=/a' }),
      TypeError,
    )
    assert.throws(() => serializeCookie('s', 'v', { ...options, path: '/a;Domain=x' }), TypeError)
    assert.throws(() => serializeCookie('s', 'v', { ...options, path: 'relative' }), TypeError)
    for (const maxAge of [-1, 1.5, Number.NaN, Infinity]) {
      assert.throws(() => serializeCookie('s', 'v', { ...options, maxAge }), TypeError)
    }
  })

  it('refuses a name+value over 4096 bytes, which browsers would silently drop (C-10)', () => {
    assert.doesNotThrow(() => serializeCookie('s', 'v'.repeat(4095), { sameSite: 'Lax' }))
    assert.throws(() => serializeCookie('s', 'v'.repeat(4096), { sameSite: 'Lax' }), TypeError)
  })

  it('enforces the rules of the __Host-, __Host-Http-, __Http- and __Secure- prefixes (C-05)', () => {
    const lax = { sameSite: 'Lax' } as const
    assert.throws(() => serializeCookie('__Host-s', 'v', { ...lax, secure: false }), TypeError)
    assert.throws(() => serializeCookie('__host-s', 'v', { ...lax, path: '/app' }), TypeError)
    assert.throws(() => serializeCookie('__Host-s', 'v', { ...lax, domain: 'a.com' }), TypeError)
    assert.throws(
      () => serializeCookie('__Host-Http-s', 'v', { ...lax, httpOnly: false }),
      TypeError,
    )
    assert.throws(() => serializeCookie('__Http-s', 'v', { ...lax, httpOnly: false }), TypeError)
    assert.throws(() => serializeCookie('__Secure-s', 'v', { ...lax, secure: false }), TypeError)
    assert.doesNotThrow(() => serializeCookie('__Host-s', 'v', { ...lax, httpOnly: false }))
    assert.doesNotThrow(() => serializeCookie('__Secure-s', 'v', { ...lax, domain: 'a.com' }))
  })

  it('refuses SameSite=None or Partitioned without Secure, which browsers reject (C-17)', () => {
    assert.throws(() => serializeCookie('s', 'v', { sameSite: 'None', secure: false }), TypeError)
    assert.throws(
      () => serializeCookie('s', 'v', { sameSite: 'Lax', secure: false, partitioned: true }),
      TypeError,
    )
  })
})

describe('CookieJar', () => {
  it('get() answers as parseCookieHeader does, for random headers', () => {
    const pieces = ['sid', 'a', '=', ';', ' ', '"', 'x', 'b c', ',', '\t', 'é', '']
    for (let i = 0; i < 5000; i++) {
      let header = ''
      for (let n = randomInt(12); n > 0; n--) header += pieces[randomInt(pieces.length)]
      const parsed = parseCookieHeader(header)
      for (const name of ['sid', 'a', 'b c', '']) {
        assert.equal(new CookieJar(header).get(name), parsed.get(name), JSON.stringify(header))
      }
    }
  })

  it('reads request cookies only; pending writes do not show through get()', () => {
    const jar = new CookieJar('a=1; b=2')
    jar.set('a', 'changed', { sameSite: 'Strict' })
    jar.set('c', '3', { sameSite: 'Strict' })
    assert.equal(jar.get('a'), '1')
    assert.equal(jar.get('c'), undefined)
    assert.deepEqual(jar.names(), ['a', 'b'])
  })

  it('keeps the last set or expire of a name, in first-written order', () => {
    const jar = new CookieJar(null)
    jar.set('a', '1', { sameSite: 'Strict' })
    jar.set('b', '1', { sameSite: 'Strict' })
    jar.set('a', '2', { sameSite: 'Strict' })
    jar.expire('b', { sameSite: 'Strict' })
    assert.deepEqual(jar.setCookieHeaders(), [
      'a=2; Path=/; Secure; HttpOnly; SameSite=Strict',
      'b=; Max-Age=0; Path=/; Secure; HttpOnly; SameSite=Strict',
    ])
  })

  it('expires with the same attributes, so the browser matches the cookie it holds', () => {
    const jar = new CookieJar(null)
    jar.expire('s', { sameSite: 'None', partitioned: true })
    assert.deepEqual(jar.setCookieHeaders(), [
      's=; Max-Age=0; Path=/; Secure; HttpOnly; SameSite=None; Partitioned',
    ])
  })

  it('appends one Set-Cookie header per cookie', () => {
    const jar = new CookieJar(null)
    jar.set('a', '1', { sameSite: 'Lax' })
    jar.set('b', '2', { sameSite: 'Lax' })
    const headers = new Headers({ 'set-cookie': 'existing=1' })
    jar.applyTo(headers)
    assert.deepEqual(headers.getSetCookie(), [
      'existing=1',
      'a=1; Path=/; Secure; HttpOnly; SameSite=Lax',
      'b=2; Path=/; Secure; HttpOnly; SameSite=Lax',
    ])
  })

  it('throws at set() time for an invalid cookie, before any response is built', () => {
    assert.throws(() => new CookieJar(null).set('s', 'a;b', { sameSite: 'Lax' }), TypeError)
  })
})
