import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { parseRequestHead, type WireRequestHead } from './parse-request-head.ts'

const MAX = 16_384

/** A head from its lines: CRLF after each, and the blank line. */
function head(...lines: string[]): Buffer {
  return Buffer.from(lines.map((line) => `${line}\r\n`).join('') + '\r\n', 'latin1')
}

function parsed(buffer: Buffer, max = MAX): WireRequestHead {
  const result = parseRequestHead(buffer, max)
  assert.ok(typeof result === 'object', `expected a head, got ${String(result)}`)
  return result
}

describe('parseRequestHead', () => {
  it('parses a GET with several headers, names as sent and lower-cased, values trimmed', () => {
    const buffer = head(
      'GET /api/items?page=2&sort=name HTTP/1.1',
      'Host: app.example:8443',
      'Accept:  text/html ',
      'X-Tabbed:\t\ta\tb\t',
      'cookie: a=1',
      'Cookie: b=2',
      'X-Empty:',
    )
    const request = parsed(buffer)
    assert.equal(request.method, 'GET')
    assert.equal(request.target, '/api/items?page=2&sort=name')
    assert.deepEqual(request.raw, [
      'Host',
      'app.example:8443',
      'Accept',
      'text/html',
      'X-Tabbed',
      'a\tb',
      'cookie',
      'a=1',
      'Cookie',
      'b=2',
      'X-Empty',
      '',
    ])
    assert.deepEqual(request.names, ['host', 'accept', 'x-tabbed', 'cookie', 'cookie', 'x-empty'])
    assert.equal(request.length, buffer.length)
    assert.equal(request.keepAlive, true)
  })

  it('counts the head bytes through the blank line and leaves the bytes after it alone', () => {
    const first = head('GET /a HTTP/1.1', 'Host: h')
    const next = head('GET /b HTTP/1.1', 'Host: h')
    const buffer = Buffer.concat([first, next])
    const request = parsed(buffer)
    assert.equal(request.target, '/a')
    assert.equal(request.length, first.length)
    assert.ok(buffer.subarray(0, request.length).toString('latin1').endsWith('\r\n\r\n'))
    // The rest is the next request, whole.
    assert.equal(parsed(buffer.subarray(request.length)).target, '/b')
  })

  it('keeps obs-text bytes of a value as latin1 characters', () => {
    const request = parsed(Buffer.concat([head('GET / HTTP/1.1', 'Host: h', 'X-Name: caf\xe9')]))
    assert.deepEqual(request.raw.slice(2), ['X-Name', 'caf\xe9'])
  })

  it('returns the method verbatim, any RFC 9110 token', () => {
    assert.equal(parsed(head('get / HTTP/1.1', 'Host: h')).method, 'get')
    assert.equal(parsed(head('PURGE / HTTP/1.1', 'Host: h')).method, 'PURGE')
    assert.equal(parsed(head('M-SEARCH / HTTP/1.1', 'Host: h')).method, 'M-SEARCH')
  })

  it('accepts an empty Host value', () => {
    assert.deepEqual(parsed(head('GET / HTTP/1.1', 'Host:')).raw, ['Host', ''])
  })

  describe('incomplete', () => {
    it('waits while the blank line has not arrived', () => {
      const whole = head('GET / HTTP/1.1', 'Host: h')
      assert.equal(parseRequestHead(Buffer.alloc(0), MAX), 'incomplete')
      for (let end = 1; end < whole.length; end++) {
        assert.equal(parseRequestHead(whole.subarray(0, end), MAX), 'incomplete', `at ${end}`)
      }
      assert.equal(parsed(whole).length, whole.length)
    })

    it('waits with a partial head exactly as long as the limit', () => {
      const buffer = Buffer.from(`GET / HTTP/1.1\r\nX: ${'a'.repeat(MAX)}`, 'latin1')
      assert.equal(parseRequestHead(buffer.subarray(0, MAX), MAX), 'incomplete')
      assert.equal(parseRequestHead(buffer.subarray(0, MAX + 1), MAX), 'other')
    })
  })

  describe('Connection', () => {
    for (const value of [
      'close',
      'Close',
      'CLOSE',
      'keep-alive, close',
      'close, TE',
      'x , close ',
    ]) {
      it(`closes after the answer to Connection: ${value}`, () => {
        assert.equal(
          parsed(head('GET / HTTP/1.1', 'Host: h', `Connection: ${value}`)).keepAlive,
          false,
        )
      })
    }

    for (const value of ['keep-alive', 'closed', 'x-close', 'close-ish, keep-alive', '']) {
      it(`keeps the connection open for Connection: ${value}`, () => {
        assert.equal(
          parsed(head('GET / HTTP/1.1', 'Host: h', `Connection: ${value}`)).keepAlive,
          true,
        )
      })
    }
  })

  it('takes one Content-Length: 0', () => {
    const request = parsed(head('POST /logout HTTP/1.1', 'Host: h', 'Content-Length: 0'))
    assert.equal(request.method, 'POST')
    assert.deepEqual(request.names, ['host', 'content-length'])
    assert.deepEqual(request.raw, ['Host', 'h', 'Content-Length', '0'])
  })

  describe('hands to node:http', () => {
    const cases: [string, Buffer][] = [
      [
        'a request with a non-zero Content-Length',
        head('POST / HTTP/1.1', 'Host: h', 'Content-Length: 5'),
      ],
      [
        'a request with Content-Length: 00',
        head('POST / HTTP/1.1', 'Host: h', 'Content-Length: 00'),
      ],
      [
        'a request with two Content-Length: 0',
        head('POST / HTTP/1.1', 'Host: h', 'Content-Length: 0', 'content-length: 0'),
      ],
      [
        'a request with Transfer-Encoding: chunked',
        head('POST / HTTP/1.1', 'Host: h', 'Transfer-Encoding: chunked'),
      ],
      [
        'a request with Transfer-Encoding: identity',
        head('GET / HTTP/1.1', 'Host: h', 'Transfer-Encoding: identity'),
      ],
      [
        'a request with an empty Transfer-Encoding',
        head('GET / HTTP/1.1', 'Host: h', 'Transfer-Encoding:'),
      ],
      [
        'a request with both Content-Length and Transfer-Encoding',
        head('POST / HTTP/1.1', 'Host: h', 'Content-Length: 0', 'Transfer-Encoding: chunked'),
      ],
      [
        'a request with both Transfer-Encoding and Content-Length',
        head('POST / HTTP/1.1', 'Host: h', 'Transfer-Encoding: chunked', 'Content-Length: 0'),
      ],
      [
        'an upgrade request',
        head('GET /ws HTTP/1.1', 'Host: h', 'Connection: Upgrade', 'Upgrade: websocket'),
      ],
      [
        'a request with Expect',
        head('POST / HTTP/1.1', 'Host: h', 'Content-Length: 0', 'Expect: 100-continue'),
      ],
      ['an HTTP/1.0 request', head('GET / HTTP/1.0', 'Host: h')],
      ['an HTTP/2.0 request line', head('GET / HTTP/2.0', 'Host: h')],
      ['a lower-case version', head('GET / http/1.1', 'Host: h')],
      ['a request line without a version', head('GET /', 'Host: h')],
      ['a request line with two spaces', head('GET  / HTTP/1.1', 'Host: h')],
      ['a method that is not a token', head('G(E)T / HTTP/1.1', 'Host: h')],
      ['an absolute-form target', head('GET http://evil/ HTTP/1.1', 'Host: h')],
      ['an asterisk-form target', head('OPTIONS * HTTP/1.1', 'Host: h')],
      ['an authority-form target', head('CONNECT h:443 HTTP/1.1', 'Host: h')],
      ['a target with a space', head('GET /a b HTTP/1.1', 'Host: h')],
      ['a target with a non-ASCII byte', head('GET /caf\xe9 HTTP/1.1', 'Host: h')],
      ['a target with a DEL byte', head('GET /a\x7f HTTP/1.1', 'Host: h')],
      ['a request without Host', head('GET / HTTP/1.1', 'Accept: */*')],
      ['a request with two Host headers', head('GET / HTTP/1.1', 'Host: a', 'host: b')],
      ['an obs-folded header (space)', head('GET / HTTP/1.1', 'Host: h', 'X-A: a', ' folded')],
      ['an obs-folded header (tab)', head('GET / HTTP/1.1', 'Host: h', 'X-A: a', '\tfolded')],
      ['a header line starting with a space', head('GET / HTTP/1.1', ' Host: h')],
      ['a space before the colon', head('GET / HTTP/1.1', 'Host : h')],
      ['a tab before the colon', head('GET / HTTP/1.1', 'Host\t: h')],
      ['a header line without a colon', head('GET / HTTP/1.1', 'Host: h', 'X-No-Colon')],
      ['an empty field name', head('GET / HTTP/1.1', 'Host: h', ': v')],
      ['a field name that is not a token', head('GET / HTTP/1.1', 'Host: h', 'X[1]: v')],
      ['a bare CR inside a value', head('GET / HTTP/1.1', 'Host: h', 'X-A: a\rb')],
      ['a bare CR ending a value', head('GET / HTTP/1.1', 'Host: h', 'X-A: a\r')],
      ['a bare CR ending the request line', head('GET / HTTP/1.1\r', 'Host: h')],
      ['a NUL in a value', head('GET / HTTP/1.1', 'Host: h', 'X-A: a\0b')],
      ['a control character in a value', head('GET / HTTP/1.1', 'Host: h', 'X-A: a\x01b')],
      ['an escape character in a value', head('GET / HTTP/1.1', 'Host: h', 'X-A: \x1b[2J')],
      ['a DEL byte in a value', head('GET / HTTP/1.1', 'Host: h', 'X-A: a\x7fb')],
      ['an empty line before the request line', head('', 'GET / HTTP/1.1', 'Host: h')],
      [
        'a head whose lines end in bare LF before its final CRLF',
        Buffer.from('GET / HTTP/1.1\nHost: h\r\n\r\n', 'latin1'),
      ],
      [
        'a header line ending in bare LF',
        Buffer.from('GET / HTTP/1.1\r\nHost: h\nX-A: a\r\n\r\n', 'latin1'),
      ],
      [
        'a head whose lines all end in bare LF',
        Buffer.from('GET / HTTP/1.1\nHost: h\n\n', 'latin1'),
      ],
      [
        'a head with a bare LF before the blank line has arrived',
        Buffer.from('GET / HTTP/1.1\nHost: h', 'latin1'),
      ],
      [
        'a head with a NUL before the blank line has arrived',
        Buffer.from('GET / HTTP/1.1\r\nX-A: \0', 'latin1'),
      ],
      [
        'a head with a bare CR before the blank line has arrived',
        Buffer.from('GET / HTTP/1.1\rHost', 'latin1'),
      ],
    ]
    for (const [name, buffer] of cases) {
      it(`hands ${name} to node:http`, () => {
        assert.equal(parseRequestHead(buffer, MAX), 'other')
      })
    }

    it('hands a head longer than the limit to node:http, with its blank line or without', () => {
      const whole = head('GET / HTTP/1.1', 'Host: h', `X-Big: ${'a'.repeat(200)}`)
      assert.equal(parsed(whole, whole.length).length, whole.length)
      assert.equal(parseRequestHead(whole, whole.length - 1), 'other')
      // Also when a short next request follows a head that is over the limit.
      const pipelined = Buffer.concat([whole, head('GET / HTTP/1.1', 'Host: h')])
      assert.equal(parseRequestHead(pipelined, whole.length - 1), 'other')
      const partial = whole.subarray(0, 150)
      assert.equal(parseRequestHead(partial, 150), 'incomplete')
      assert.equal(parseRequestHead(partial, 149), 'other')
    })
  })
})
