import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { createIdpBrowserSession } from './browser-session.ts'

describe('createIdpBrowserSession', () => {
  const idp = new URL('http://127.0.0.1:9000/auth')

  it('sends a cookie back to the same host on any port, not to other hosts', () => {
    const session = createIdpBrowserSession()
    session.storeCookies(idp, ['sid=1; path=/; httponly; samesite=lax'])
    assert.equal(session.cookieHeader(new URL('http://127.0.0.1:9000/x')), 'sid=1')
    assert.equal(session.cookieHeader(new URL('http://127.0.0.1:3000/x')), 'sid=1')
    assert.equal(session.cookieHeader(new URL('http://localhost:9000/x')), undefined)
  })

  it('matches paths on segment boundaries, most specific first (RFC 6265 §5.1.4, §5.4)', () => {
    const session = createIdpBrowserSession()
    session.storeCookies(idp, ['a=root; path=/', 'b=deep; path=/interaction/abc'])
    assert.equal(
      session.cookieHeader(new URL('http://127.0.0.1:9000/interaction/abc/login')),
      'b=deep; a=root',
    )
    assert.equal(session.cookieHeader(new URL('http://127.0.0.1:9000/interaction/abcd')), 'a=root')
  })

  it('defaults the path to the directory of the request', () => {
    const session = createIdpBrowserSession()
    session.storeCookies(new URL('http://127.0.0.1:9000/session/end'), ['x=1'])
    assert.equal(session.cookieHeader(new URL('http://127.0.0.1:9000/session/end/confirm')), 'x=1')
    assert.equal(session.cookieHeader(new URL('http://127.0.0.1:9000/auth')), undefined)
  })

  it('deletes a cookie set with Max-Age=0 or a past Expires', () => {
    const session = createIdpBrowserSession()
    session.storeCookies(idp, ['a=1; path=/', 'b=2; path=/'])
    session.storeCookies(idp, [
      'a=; path=/; max-age=0',
      'b=; path=/; expires=Thu, 01 Jan 1970 00:00:00 GMT',
    ])
    assert.equal(session.cookieHeader(idp), undefined)
  })

  it('lets Max-Age win over Expires', () => {
    const session = createIdpBrowserSession()
    session.storeCookies(idp, ['a=1; path=/; expires=Thu, 01 Jan 1970 00:00:00 GMT; max-age=60'])
    assert.equal(session.cookieHeader(idp), 'a=1')
  })

  it('forgets everything on clear()', () => {
    const session = createIdpBrowserSession()
    session.storeCookies(idp, ['a=1; path=/'])
    session.clear()
    assert.equal(session.cookieHeader(idp), undefined)
  })
})
