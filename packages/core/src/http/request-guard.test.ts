import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { CoatcheckError, type ErrorCode } from '../errors/coatcheck-error.ts'
import { createRequestGuard, type RequestGuardOptions } from './request-guard.ts'

const options: RequestGuardOptions = {
  publicOrigin: 'https://api.example.com',
  allowedOrigins: new Set(['https://app.example.com', 'http://localhost:5173']),
  csrfHeaderName: 'x-csrf',
  csrfHeaderValue: '1',
}
const guard = createRequestGuard(options)
const csrf = { 'x-csrf': '1' }

function request(headers: Record<string, string>, method = 'POST'): Request {
  return new Request('https://api.example.com/auth/session', { method, headers })
}

function assertRejects(check: () => void, code: ErrorCode): void {
  assert.throws(check, (error: unknown) => {
    assert.ok(error instanceof CoatcheckError)
    assert.equal(error.code, code)
    return true
  })
}

describe('checkApiRequest', () => {
  it('X-02, X-04: rejects a cross-site form POST, which cannot carry the header', () => {
    const form = new Request('https://api.example.com/auth/logout', {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        origin: 'https://evil.com',
        'sec-fetch-site': 'cross-site',
      },
      body: 'a=1',
    })
    assertRejects(() => guard.checkApiRequest(form), 'csrf_header_missing')
  })

  it('X-02: rejects a GET without the header, even from the same origin', () => {
    const get = request({ 'sec-fetch-site': 'same-origin' }, 'GET')
    assertRejects(() => guard.checkApiRequest(get), 'csrf_header_missing')
  })

  it('X-02: rejects a wrong header value', () => {
    const wrong = request({ 'x-csrf': '0', origin: 'https://app.example.com' })
    assertRejects(() => guard.checkApiRequest(wrong), 'csrf_header_missing')
  })

  it('X-02: rejects the header sent twice', () => {
    const headers = new Headers({ origin: 'https://app.example.com' })
    headers.append('x-csrf', '1')
    headers.append('x-csrf', '1')
    assertRejects(
      () => guard.checkApiRequest(new Request('https://api.example.com/', { headers })),
      'csrf_header_missing',
    )
  })

  it('X-02: matches the request header name case-insensitively', () => {
    const upper = request({ 'X-CSRF': '1', Origin: 'https://app.example.com' })
    assert.doesNotThrow(() => guard.checkApiRequest(upper))
    const mixedCaseOption = createRequestGuard({ ...options, csrfHeaderName: 'X-Csrf' })
    assert.doesNotThrow(() => mixedCaseOption.checkApiRequest(upper))
  })

  it('X-06: rejects the header with an evil Origin', () => {
    const evil = request({ ...csrf, origin: 'https://evil.com' })
    assertRejects(() => guard.checkApiRequest(evil), 'origin_not_allowed')
  })

  it('X-06: compares whole origins, so an allowlisted prefix does not match', () => {
    for (const origin of [
      'https://app.example.com.evil.com',
      'https://app.example.com:8443',
      'http://app.example.com',
      'https://evil-app.example.com',
      'https://app.example.com/',
    ]) {
      assertRejects(() => guard.checkApiRequest(request({ ...csrf, origin })), 'origin_not_allowed')
    }
  })

  it('X-06: rejects the null origin of sandboxed frames and data: URLs', () => {
    const sandboxed = request({ ...csrf, origin: 'null', 'sec-fetch-site': 'cross-site' })
    assertRejects(() => guard.checkApiRequest(sandboxed), 'origin_not_allowed')
  })

  it('X-05: rejects Sec-Fetch-Site cross-site without an Origin', () => {
    const cross = request({ ...csrf, 'sec-fetch-site': 'cross-site' }, 'GET')
    assertRejects(() => guard.checkApiRequest(cross), 'origin_not_allowed')
  })

  it('X-05: rejects same-site from a sibling that is not allowlisted', () => {
    const sibling = request({
      ...csrf,
      origin: 'https://blog.example.com',
      'sec-fetch-site': 'same-site',
    })
    assertRejects(() => guard.checkApiRequest(sibling), 'origin_not_allowed')
    const noOrigin = request({ ...csrf, 'sec-fetch-site': 'same-site' }, 'GET')
    assertRejects(() => guard.checkApiRequest(noOrigin), 'origin_not_allowed')
  })

  it('X-05: rejects Sec-Fetch-Site none and unknown values without an Origin', () => {
    for (const site of ['none', 'same-origin, cross-site', 'bogus']) {
      const typed = request({ ...csrf, 'sec-fetch-site': site }, 'GET')
      assertRejects(() => guard.checkApiRequest(typed), 'origin_not_allowed')
    }
  })

  it('X-06: rejects a request with no Origin, Sec-Fetch-Site or Referer', () => {
    assertRejects(() => guard.checkApiRequest(request({ ...csrf })), 'origin_not_allowed')
  })

  it('X-06: falls back to the Referer origin when Origin and Fetch Metadata are absent', () => {
    const allowed = request({ ...csrf, referer: 'https://app.example.com/orders?id=1' })
    assert.doesNotThrow(() => guard.checkApiRequest(allowed))
    for (const referer of ['https://app.example.com.evil.com/', 'https://evil.com/', 'not a url']) {
      assertRejects(
        () => guard.checkApiRequest(request({ ...csrf, referer })),
        'origin_not_allowed',
      )
    }
  })

  it('X-05: allows a same-origin GET without Origin when Sec-Fetch-Site is same-origin', () => {
    const get = request({ ...csrf, 'sec-fetch-site': 'same-origin' }, 'GET')
    assert.doesNotThrow(() => guard.checkApiRequest(get))
  })

  it('X-06: allows Coatcheck’s own origin and allowlisted sibling origins', () => {
    for (const [origin, site] of [
      ['https://api.example.com', 'same-origin'],
      ['https://app.example.com', 'same-site'],
      ['http://localhost:5173', 'same-site'],
    ] as const) {
      const allowed = request({ ...csrf, origin, 'sec-fetch-site': site })
      assert.doesNotThrow(() => guard.checkApiRequest(allowed))
    }
  })

  it('X-09: guards DELETE and every other method alike', () => {
    for (const method of ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE']) {
      const evil = request({ ...csrf, origin: 'https://evil.com' }, method)
      assertRejects(() => guard.checkApiRequest(evil), 'origin_not_allowed')
    }
  })
})

describe('checkNavigation', () => {
  function login(headers: Record<string, string>): Request {
    return new Request('https://api.example.com/auth/login', { headers })
  }

  it('allows a top-level navigation', () => {
    const nav = login({ 'sec-fetch-mode': 'navigate', 'sec-fetch-dest': 'document' })
    assert.doesNotThrow(() => guard.checkNavigation(nav))
  })

  it('allows requests without Fetch Metadata', () => {
    assert.doesNotThrow(() => guard.checkNavigation(login({})))
  })

  it('rejects fetch() and XHR, so they never get a redirect to the identity provider', () => {
    for (const mode of ['cors', 'no-cors', 'same-origin']) {
      const xhr = login({ 'sec-fetch-mode': mode, 'sec-fetch-dest': 'empty' })
      assertRejects(() => guard.checkNavigation(xhr), 'login_requires_navigation')
    }
  })

  it('rejects a navigation inside a frame', () => {
    const frame = login({ 'sec-fetch-mode': 'navigate', 'sec-fetch-dest': 'iframe' })
    assertRejects(() => guard.checkNavigation(frame), 'login_requires_navigation')
  })
})

describe('createRequestGuard', () => {
  it('refuses a CORS-safelisted header name, which would not force a preflight', () => {
    assert.throws(
      () => createRequestGuard({ ...options, csrfHeaderName: 'content-type' }),
      TypeError,
    )
    assert.throws(() => createRequestGuard({ ...options, csrfHeaderName: 'x csrf' }), TypeError)
    assert.throws(() => createRequestGuard({ ...options, csrfHeaderValue: '' }), TypeError)
  })

  it('refuses origins that are not exact', () => {
    for (const origin of ['https://app.example.com/', 'app.example.com', 'null', '*']) {
      assert.throws(
        () => createRequestGuard({ ...options, allowedOrigins: new Set([origin]) }),
        TypeError,
      )
    }
    assert.throws(() =>
      createRequestGuard({ ...options, publicOrigin: 'https://api.example.com/x' }),
    )
  })
})
