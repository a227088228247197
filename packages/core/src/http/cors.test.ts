import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { createCors, type CorsOptions } from './cors.ts'

const options: CorsOptions = {
  allowedOrigins: new Set(['https://app.example.com', 'http://localhost:5173']),
  csrfHeaderName: 'x-csrf',
}
const cors = createCors(options)

function preflightRequest(origin: string, requestHeaders?: string): Request {
  const headers: Record<string, string> = { origin, 'access-control-request-method': 'POST' }
  if (requestHeaders !== undefined) headers['access-control-request-headers'] = requestHeaders
  return new Request('https://api.example.com/api/orders', { method: 'OPTIONS', headers })
}

function accessControlHeaders(response: Response): string[] {
  return [...response.headers.keys()].filter((name) => name.startsWith('access-control-'))
}

function allowedHeaders(response: Response | undefined): string[] {
  return (response?.headers.get('access-control-allow-headers') ?? '').split(', ')
}

describe('preflight', () => {
  it('X-03: grants an allowlisted origin exactly, with credentials', () => {
    const response = cors.preflight(preflightRequest('https://app.example.com', 'x-csrf'))
    assert.ok(response)
    assert.equal(response.status, 204)
    assert.equal(response.headers.get('access-control-allow-origin'), 'https://app.example.com')
    assert.equal(response.headers.get('access-control-allow-credentials'), 'true')
    assert.equal(
      response.headers.get('access-control-allow-methods'),
      'GET, HEAD, POST, PUT, PATCH, DELETE',
    )
    assert.equal(response.headers.get('access-control-max-age'), '600')
    assert.equal(
      response.headers.get('vary'),
      'Origin, Access-Control-Request-Method, Access-Control-Request-Headers',
    )
    assert.deepEqual(allowedHeaders(response), ['x-csrf', 'content-type', 'accept'])
  })

  it('X-03: refuses an unlisted origin with 403 JSON and no Access-Control-* header', async () => {
    for (const origin of [
      'https://evil.com',
      'https://app.example.com.evil.com',
      'null',
      'https://APP.example.com',
    ]) {
      const response = cors.preflight(preflightRequest(origin, 'x-csrf'))
      assert.ok(response)
      assert.equal(response.status, 403)
      assert.deepEqual(accessControlHeaders(response), [])
      assert.equal(((await response.json()) as { error: string }).error, 'origin_not_allowed')
    }
  })

  it('X-03: grants ordinary requested headers but never credentials or routing overrides', () => {
    const requested =
      'if-match, x-request-id, authorization, cookie, dpop, x-forwarded-host, ' +
      'x-http-method-override, sec-fetch-site, bad header, X-CSRF'
    const granted = allowedHeaders(
      cors.preflight(preflightRequest('https://app.example.com', requested)),
    )
    assert.deepEqual(granted, ['x-csrf', 'content-type', 'accept', 'if-match', 'x-request-id'])
  })

  it('returns undefined for requests that are not preflights', () => {
    const plainOptions = new Request('https://api.example.com/', {
      method: 'OPTIONS',
      headers: { origin: 'https://app.example.com' },
    })
    assert.equal(cors.preflight(plainOptions), undefined)
    const noOrigin = new Request('https://api.example.com/', {
      method: 'OPTIONS',
      headers: { 'access-control-request-method': 'GET' },
    })
    assert.equal(cors.preflight(noOrigin), undefined)
    const post = new Request('https://api.example.com/', {
      method: 'POST',
      headers: { origin: 'https://app.example.com', 'access-control-request-method': 'POST' },
    })
    assert.equal(cors.preflight(post), undefined)
  })

  it('uses the configured max age', () => {
    const response = createCors({ ...options, maxAgeSeconds: 60 }).preflight(
      preflightRequest('https://app.example.com'),
    )
    assert.equal(response?.headers.get('access-control-max-age'), '60')
  })
})

describe('apply', () => {
  function actual(origin?: string): Request {
    return new Request('https://api.example.com/api/orders', {
      headers: origin === undefined ? {} : { origin },
    })
  }

  it('X-03: labels a response for an allowlisted origin with that exact origin', () => {
    const response = cors.apply(actual('http://localhost:5173'), new Response('{}'))
    assert.equal(response.headers.get('access-control-allow-origin'), 'http://localhost:5173')
    assert.equal(response.headers.get('access-control-allow-credentials'), 'true')
    assert.equal(response.headers.get('vary'), 'Origin, Sec-Fetch-Site')
    assert.equal(response.headers.get('access-control-expose-headers'), null)
  })

  it('X-03: never labels an unlisted origin, only adds Vary: Origin', () => {
    for (const request of [actual('https://evil.com'), actual('null'), actual()]) {
      const response = cors.apply(request, new Response('{}'))
      assert.deepEqual(accessControlHeaders(response), [])
      assert.equal(response.headers.get('vary'), 'Origin, Sec-Fetch-Site')
    }
  })

  it('X-03: drops CORS headers an upstream set, so it cannot widen access', () => {
    const upstream = new Response('{}', {
      headers: {
        'access-control-allow-origin': '*',
        'access-control-expose-headers': 'x-secret',
        vary: 'Accept-Encoding',
      },
    })
    const evil = cors.apply(actual('https://evil.com'), upstream)
    assert.deepEqual(accessControlHeaders(evil), [])
    assert.equal(evil.headers.get('vary'), 'Accept-Encoding, Origin, Sec-Fetch-Site')
  })

  it('keeps an existing Vary: Origin single', () => {
    const response = cors.apply(actual(), new Response('', { headers: { vary: 'origin' } }))
    assert.equal(response.headers.get('vary'), 'origin, Sec-Fetch-Site')
  })

  it('copies a response whose headers are immutable, keeping status and body', async () => {
    const immutable = Response.redirect('https://app.example.com/done', 302)
    assert.throws(() => immutable.headers.set('x', 'y'), TypeError)
    const response = cors.apply(actual('https://app.example.com'), immutable)
    assert.equal(response.status, 302)
    assert.equal(response.headers.get('location'), 'https://app.example.com/done')
    assert.equal(response.headers.get('access-control-allow-origin'), 'https://app.example.com')

    const fetched = await fetch('data:text/plain,hello')
    const copied = cors.apply(actual('https://app.example.com'), fetched)
    assert.equal(await copied.text(), 'hello')
    assert.equal(copied.headers.get('vary'), 'Origin, Sec-Fetch-Site')
  })
})

describe('createCors', () => {
  it('refuses wildcard, null and non-exact origins', () => {
    for (const origin of ['*', 'null', 'https://app.example.com/', '*.example.com']) {
      assert.throws(() => createCors({ ...options, allowedOrigins: new Set([origin]) }), TypeError)
    }
  })

  it('refuses a negative or fractional max age', () => {
    assert.throws(() => createCors({ ...options, maxAgeSeconds: -1 }), TypeError)
    assert.throws(() => createCors({ ...options, maxAgeSeconds: 1.5 }), TypeError)
  })
})
