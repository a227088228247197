import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  mergeVary,
  toClientHeaders,
  toUpstreamHeaders,
  type ForwardedRequest,
} from './proxy-headers.ts'

/** The parts of a Node request the header functions read. */
function fakeRequest(rawHeaders: string[], remoteAddress = '10.1.2.3'): ForwardedRequest {
  return { rawHeaders, remoteAddress }
}

const pairs = (flat: string[]) =>
  Array.from({ length: flat.length / 2 }, (_, i) => [flat[2 * i], flat[2 * i + 1]])

describe('toUpstreamHeaders', () => {
  const options = { csrfHeaderName: 'x-csrf', trustProxy: false }

  it('drops browser credentials, our CSRF header, Expect and Connection-listed headers (P-04, P-05)', () => {
    const req = fakeRequest([
      'Authorization',
      'Bearer forged',
      'Cookie',
      'session=1',
      'X-CSRF',
      '1',
      'Expect',
      '100-continue',
      'Connection',
      'keep-alive, X-Hop',
      'X-Hop',
      'hop',
      'Accept',
      'application/json',
      'X-Trace',
      'a',
      'X-Trace',
      'b',
    ])
    const headers = toUpstreamHeaders(req, { authorization: 'Bearer ours' }, options)
    assert.deepEqual(pairs(headers), [
      ['Accept', 'application/json'],
      ['X-Trace', 'a'],
      ['X-Trace', 'b'],
      ['authorization', 'Bearer ours'],
      ['x-forwarded-for', '10.1.2.3'],
    ])
  })

  it('sets route headers over browser headers of the same name, whatever their case', () => {
    const req = fakeRequest(['X-Api-Key', 'from-browser'])
    const headers = toUpstreamHeaders(req, { 'x-api-key': 'configured' }, options)
    assert.deepEqual(pairs(headers), [
      ['x-api-key', 'configured'],
      ['x-forwarded-for', '10.1.2.3'],
    ])
  })

  it('replaces X-Forwarded-For, or appends the peer to it behind a trusted proxy', () => {
    const req = fakeRequest(['X-Forwarded-For', '6.6.6.6', 'X-Forwarded-For', '7.7.7.7'])
    assert.deepEqual(pairs(toUpstreamHeaders(req, {}, options)), [['x-forwarded-for', '10.1.2.3']])
    assert.deepEqual(pairs(toUpstreamHeaders(req, {}, { ...options, trustProxy: true })), [
      ['x-forwarded-for', '6.6.6.6, 7.7.7.7, 10.1.2.3'],
    ])
  })
})

describe('toClientHeaders', () => {
  it('drops Set-Cookie, Access-Control-* and hop-by-hop headers, keeps repeats (P-07)', () => {
    const headers = toClientHeaders(
      {
        'content-type': 'text/plain',
        'set-cookie': ['a=1', 'b=2'],
        'access-control-allow-origin': '*',
        connection: 'close, x-hop',
        'x-hop': 'hop',
        'transfer-encoding': 'chunked',
        link: ['<a>; rel=preload', '<b>; rel=preload'],
        vary: 'Accept-Encoding',
      },
      [
        ['set-cookie', '__Host-s=new'],
        ['access-control-allow-origin', 'https://app.example'],
      ],
    )
    assert.deepEqual(pairs(headers), [
      ['content-type', 'text/plain'],
      ['link', '<a>; rel=preload'],
      ['link', '<b>; rel=preload'],
      ['vary', 'Accept-Encoding, Origin, Sec-Fetch-Site'],
      ['set-cookie', '__Host-s=new'],
      ['access-control-allow-origin', 'https://app.example'],
    ])
  })
})

describe('mergeVary', () => {
  it('adds Origin and Sec-Fetch-Site once, and leaves * alone (X-05)', () => {
    assert.equal(mergeVary([]), 'Origin, Sec-Fetch-Site')
    assert.equal(mergeVary(['origin', 'Accept, sec-fetch-site']), 'origin, Accept, sec-fetch-site')
    assert.equal(mergeVary(['Accept', '*']), '*')
  })
})
