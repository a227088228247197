import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { CoatcheckError, ERROR_CODES } from './coatcheck-error.ts'
import { jsonError, toErrorResponse } from './error-response.ts'

const xhr = new Request('https://api.example.com/auth/session', {
  headers: { 'sec-fetch-mode': 'cors', accept: 'application/json' },
})
const navigation = new Request('https://api.example.com/auth/callback?code=c&state=s', {
  headers: { 'sec-fetch-mode': 'navigate', accept: 'text/html,application/xhtml+xml' },
})

function assertCommonHeaders(response: Response): void {
  assert.equal(response.headers.get('cache-control'), 'no-store')
  assert.equal(response.headers.get('x-content-type-options'), 'nosniff')
}

describe('toErrorResponse', () => {
  it('answers a script with the JSON shape, status and code of a CoatcheckError', async () => {
    const response = toErrorResponse(new CoatcheckError('unauthenticated'), xhr)
    assert.equal(response.status, 401)
    assert.equal(response.headers.get('content-type'), 'application/json')
    assertCommonHeaders(response)
    assert.deepEqual(await response.json(), {
      error: 'unauthenticated',
      message: ERROR_CODES.unauthenticated.message,
    })
  })

  it('shows an exposed specific message', async () => {
    const error = new CoatcheckError('bad_request', { message: 'The body is not JSON.' })
    assert.deepEqual(await toErrorResponse(error, xhr).json(), {
      error: 'bad_request',
      message: 'The body is not JSON.',
    })
  })

  it('shows only the default message of an error that is not exposed', async () => {
    const error = new CoatcheckError('idp_unavailable', { message: 'connect to 10.0.0.7 failed' })
    const response = toErrorResponse(error, xhr)
    assert.equal(response.status, 502)
    const text = await response.text()
    assert.equal(text.includes('10.0.0.7'), false)
    assert.deepEqual(JSON.parse(text), {
      error: 'idp_unavailable',
      message: ERROR_CODES.idp_unavailable.message,
    })
  })

  it('turns any other error into a generic 500 that never quotes it', async () => {
    for (const thrown of [new Error('client_secret=hunter2'), 'secret string', undefined]) {
      const response = toErrorResponse(thrown, xhr)
      assert.equal(response.status, 500)
      const text = await response.text()
      assert.equal(text.includes('hunter2') || text.includes('secret string'), false)
      assert.deepEqual(JSON.parse(text), {
        error: 'internal_error',
        message: ERROR_CODES.internal_error.message,
      })
    }
  })

  it('answers a top-level navigation with a self-contained HTML page', async () => {
    const response = toErrorResponse(new CoatcheckError('login_state_invalid'), navigation, {
      homeUrl: 'https://app.example.com/',
    })
    assert.equal(response.status, 400)
    assert.equal(response.headers.get('content-type'), 'text/html; charset=utf-8')
    assertCommonHeaders(response)
    assert.equal(
      response.headers.get('content-security-policy'),
      "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
    )
    assert.equal(response.headers.get('referrer-policy'), 'no-referrer')
    const html = await response.text()
    assert.match(html, /<code>login_state_invalid<\/code>/)
    assert.match(html, /<a href="https:\/\/app\.example\.com\/">/)
    assert.doesNotMatch(html, /<script|<link|<img|src=/i)
  })

  it('answers HTML to a browser without Fetch Metadata that accepts text/html', () => {
    const old = new Request('https://api.example.com/auth/login', {
      headers: { accept: 'text/html;q=0.9,*/*;q=0.8' },
    })
    const response = toErrorResponse(new CoatcheckError('invalid_return_to'), old)
    assert.equal(response.headers.get('content-type'), 'text/html; charset=utf-8')
  })

  it('answers JSON to a client without Fetch Metadata or an HTML Accept', () => {
    const curl = new Request('https://api.example.com/auth/session', {
      headers: { accept: '*/*' },
    })
    const response = toErrorResponse(new CoatcheckError('unauthenticated'), curl)
    assert.equal(response.headers.get('content-type'), 'application/json')
  })

  it('answers JSON to a fetch() that happens to accept text/html', () => {
    const fetchHtml = new Request('https://api.example.com/auth/session', {
      headers: { 'sec-fetch-mode': 'cors', accept: 'text/html' },
    })
    const response = toErrorResponse(new CoatcheckError('unauthenticated'), fetchHtml)
    assert.equal(response.headers.get('content-type'), 'application/json')
  })

  it('escapes every value it puts in the page', async () => {
    const error = new CoatcheckError('bad_request', { message: '<script>alert("x")</script>' })
    const response = toErrorResponse(error, navigation, {
      homeUrl: 'https://app.example.com/?a="><script>',
    })
    const html = await response.text()
    assert.doesNotMatch(html, /<script/)
    assert.match(html, /&lt;script&gt;alert\(&quot;x&quot;\)&lt;\/script&gt;/)
  })

  it('does not link to a home URL that is not http(s)', async () => {
    const response = toErrorResponse(new CoatcheckError('login_failed'), navigation, {
      homeUrl: 'javascript:alert(1)',
    })
    const html = await response.text()
    assert.doesNotMatch(html, /<a |javascript:/)
  })
})

describe('jsonError', () => {
  it('builds the JSON error shape with no-store', async () => {
    const response = jsonError('origin_not_allowed', 403, 'Not allowed.')
    assert.equal(response.status, 403)
    assertCommonHeaders(response)
    assert.deepEqual(await response.json(), {
      error: 'origin_not_allowed',
      message: 'Not allowed.',
    })
  })
})
