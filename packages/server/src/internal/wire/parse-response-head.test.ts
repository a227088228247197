import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { parseResponseHead, type WireResponseHead } from './parse-response-head.ts'

const MAX = 16_384

/** A head from its lines: CRLF after each, and the blank line. */
function head(...lines: string[]): Buffer {
  return Buffer.from(lines.map((line) => `${line}\r\n`).join('') + '\r\n', 'latin1')
}

function parsed(buffer: Buffer, method = 'GET', max = MAX): WireResponseHead {
  const result = parseResponseHead(buffer, method, max)
  assert.ok(typeof result === 'object', `expected a head, got ${String(result)}`)
  return result
}

describe('parseResponseHead', () => {
  it('parses a 200 with a length: lower-case names, trimmed values, head bytes counted', () => {
    const buffer = head(
      'HTTP/1.1 200 OK',
      'Content-Type: text/plain ',
      'Set-Cookie:\ta=1',
      'set-cookie: b=2',
      'Content-Length: 5',
      'X-Empty:',
    )
    const response = parsed(Buffer.concat([buffer, Buffer.from('hello')]))
    assert.equal(response.status, 200)
    assert.deepEqual(response.raw, [
      'content-type',
      'text/plain',
      'set-cookie',
      'a=1',
      'set-cookie',
      'b=2',
      'content-length',
      '5',
      'x-empty',
      '',
    ])
    assert.equal(response.length, buffer.length)
    assert.deepEqual(response.framing, { kind: 'length', bytes: 5 })
    assert.equal(response.reusable, true)
  })

  it('parses a status line without a reason phrase, or with an empty or obs-text one', () => {
    assert.equal(parsed(head('HTTP/1.1 204')).status, 204)
    assert.equal(parsed(head('HTTP/1.1 204 ')).status, 204)
    assert.equal(parsed(head('HTTP/1.1 200 Tr\xe8s bien', 'Content-Length: 0')).status, 200)
    assert.equal(parsed(head('HTTP/1.1 404 Not\tFound', 'Content-Length: 0')).status, 404)
  })

  it('keeps obs-text bytes of a value as latin1 characters', () => {
    assert.deepEqual(parsed(head('HTTP/1.1 204', 'X-Name: caf\xe9')).raw, ['x-name', 'caf\xe9'])
  })

  describe('incomplete', () => {
    it('waits while the blank line has not arrived', () => {
      const whole = head('HTTP/1.1 200 OK', 'Content-Length: 0')
      assert.equal(parseResponseHead(Buffer.alloc(0), 'GET', MAX), 'incomplete')
      for (let end = 1; end < whole.length; end++) {
        assert.equal(parseResponseHead(whole.subarray(0, end), 'GET', MAX), 'incomplete')
      }
      assert.equal(parsed(whole).length, whole.length)
    })

    it('waits with a partial head exactly as long as the limit, and refuses one byte more', () => {
      const buffer = Buffer.from(`HTTP/1.1 200 OK\r\nX: ${'a'.repeat(MAX)}`, 'latin1')
      assert.equal(parseResponseHead(buffer.subarray(0, MAX), 'GET', MAX), 'incomplete')
      assert.equal(parseResponseHead(buffer.subarray(0, MAX + 1), 'GET', MAX), 'invalid')
    })
  })

  describe('framing (RFC 9112 §6.3)', () => {
    it('reads no body after a HEAD request, whatever the length or coding says', () => {
      const length = parsed(head('HTTP/1.1 200 OK', 'Content-Length: 42'), 'HEAD')
      assert.deepEqual(length.framing, { kind: 'none' })
      assert.equal(length.reusable, true)
      const chunked = parsed(head('HTTP/1.1 200 OK', 'Transfer-Encoding: chunked'), 'HEAD')
      assert.deepEqual(chunked.framing, { kind: 'none' })
      assert.equal(chunked.reusable, true)
      assert.deepEqual(parsed(head('HTTP/1.1 200 OK'), 'HEAD').framing, { kind: 'none' })
    })

    for (const status of [100, 101, 103, 199, 204, 304]) {
      it(`reads no body after a ${status}, whatever the length says`, () => {
        const response = parsed(head(`HTTP/1.1 ${status} X`, 'Content-Length: 10'))
        assert.equal(response.status, status)
        assert.deepEqual(response.framing, { kind: 'none' })
        assert.equal(response.reusable, true)
      })
    }

    it('reads a body by its length', () => {
      assert.deepEqual(parsed(head('HTTP/1.1 200 OK', 'Content-Length: 0')).framing, {
        kind: 'length',
        bytes: 0,
      })
      assert.deepEqual(parsed(head('HTTP/1.1 404 Nope', 'content-length:  12 ')).framing, {
        kind: 'length',
        bytes: 12,
      })
      assert.deepEqual(parsed(head('HTTP/1.1 200 OK', 'Content-Length: 999999999999999')).framing, {
        kind: 'length',
        bytes: 999_999_999_999_999,
      })
    })

    it('accepts repeated lengths that agree', () => {
      const response = parsed(head('HTTP/1.1 200 OK', 'Content-Length: 3', 'Content-Length: 3'))
      assert.deepEqual(response.framing, { kind: 'length', bytes: 3 })
      assert.equal(response.reusable, true)
    })

    for (const codings of [
      'chunked',
      'Chunked',
      'gzip, chunked',
      'gzip,chunked',
      'gzip , chunked ',
    ]) {
      it(`reads a chunked body for Transfer-Encoding: ${codings}`, () => {
        const response = parsed(head('HTTP/1.1 200 OK', `Transfer-Encoding: ${codings}`))
        assert.deepEqual(response.framing, { kind: 'chunked' })
        assert.equal(response.reusable, true)
      })
    }

    it('joins Transfer-Encoding split over two lines', () => {
      const split = head('HTTP/1.1 200 OK', 'Transfer-Encoding: gzip', 'Transfer-Encoding: chunked')
      assert.deepEqual(parsed(split).framing, { kind: 'chunked' })
      const reversed = head(
        'HTTP/1.1 200 OK',
        'Transfer-Encoding: chunked',
        'Transfer-Encoding: gzip',
      )
      assert.deepEqual(parsed(reversed).framing, { kind: 'close' })
      assert.equal(parsed(reversed).reusable, false)
    })

    for (const codings of ['gzip', 'chunked, gzip', 'identity', '']) {
      it(`reads to the close when the last coding is not chunked: '${codings}'`, () => {
        const response = parsed(head('HTTP/1.1 200 OK', `Transfer-Encoding: ${codings}`))
        assert.deepEqual(response.framing, { kind: 'close' })
        assert.equal(response.reusable, false)
      })
    }

    it('reads by Transfer-Encoding when Content-Length is there too, and never reuses', () => {
      for (const lines of [
        ['Transfer-Encoding: chunked', 'Content-Length: 5'],
        ['Content-Length: 5', 'Transfer-Encoding: chunked'],
      ]) {
        const response = parsed(head('HTTP/1.1 200 OK', ...lines))
        assert.deepEqual(response.framing, { kind: 'chunked' })
        assert.equal(response.reusable, false)
      }
      const notChunked = parsed(
        head('HTTP/1.1 200 OK', 'Transfer-Encoding: gzip', 'Content-Length: 5'),
      )
      assert.deepEqual(notChunked.framing, { kind: 'close' })
      assert.equal(notChunked.reusable, false)
    })

    it('reads to the close with neither length nor coding, and never reuses', () => {
      const response = parsed(head('HTTP/1.1 200 OK', 'Content-Type: text/plain'))
      assert.deepEqual(response.framing, { kind: 'close' })
      assert.equal(response.reusable, false)
    })
  })

  describe('reuse', () => {
    it('never reuses an HTTP/1.0 connection, even with keep-alive', () => {
      const response = parsed(
        head('HTTP/1.0 200 OK', 'Connection: keep-alive', 'Content-Length: 2'),
      )
      assert.deepEqual(response.framing, { kind: 'length', bytes: 2 })
      assert.equal(response.reusable, false)
    })

    for (const value of ['close', 'Close', 'keep-alive, CLOSE', 'close , x']) {
      it(`does not reuse after Connection: ${value}`, () => {
        const response = parsed(
          head('HTTP/1.1 200 OK', 'Content-Length: 0', `Connection: ${value}`),
        )
        assert.equal(response.reusable, false)
      })
    }

    for (const value of ['keep-alive', 'closed', 'x-close']) {
      it(`reuses after Connection: ${value}`, () => {
        const response = parsed(
          head('HTTP/1.1 200 OK', 'Content-Length: 0', `Connection: ${value}`),
        )
        assert.equal(response.reusable, true)
      })
    }
  })

  describe('invalid', () => {
    const cases: [string, Buffer][] = [
      [
        'repeated lengths that differ',
        head('HTTP/1.1 200 OK', 'Content-Length: 3', 'Content-Length: 4'),
      ],
      [
        'repeated lengths that differ only in leading zeros',
        head('HTTP/1.1 200 OK', 'Content-Length: 3', 'Content-Length: 03'),
      ],
      ['a length list', head('HTTP/1.1 200 OK', 'Content-Length: 3, 3')],
      ['a non-digit length', head('HTTP/1.1 200 OK', 'Content-Length: abc')],
      ['a hex length', head('HTTP/1.1 200 OK', 'Content-Length: 0x10')],
      ['a negative length', head('HTTP/1.1 200 OK', 'Content-Length: -1')],
      ['a signed length', head('HTTP/1.1 200 OK', 'Content-Length: +1')],
      ['a fractional length', head('HTTP/1.1 200 OK', 'Content-Length: 1.5')],
      ['an empty length', head('HTTP/1.1 200 OK', 'Content-Length:')],
      ['a length with 16 digits', head('HTTP/1.1 200 OK', 'Content-Length: 1000000000000000')],
      ['a bad length on a 204', head('HTTP/1.1 204', 'Content-Length: x')],
      ['a bare CR in a value', head('HTTP/1.1 200 OK', 'X-A: a\rb')],
      ['a bare CR ending a value', head('HTTP/1.1 200 OK', 'X-A: a\r')],
      ['a bare LF in a value', head('HTTP/1.1 200 OK', 'X-A: a\nb')],
      ['a bare LF line ending', Buffer.from('HTTP/1.1 200 OK\nContent-Length: 0\r\n\r\n')],
      [
        'a head whose lines all end in bare LF',
        Buffer.from('HTTP/1.1 200 OK\nContent-Length: 0\n\n'),
      ],
      ['a bare LF before the blank line has arrived', Buffer.from('HTTP/1.1 200 OK\nX-A')],
      ['a bare CR before the blank line has arrived', Buffer.from('HTTP/1.1 200 OK\rX-A')],
      ['a NUL before the blank line has arrived', Buffer.from('HTTP/1.1 200 OK\r\nX-A: \0')],
      ['a NUL in a value', head('HTTP/1.1 200 OK', 'X-A: a\0b')],
      ['a control character in a value', head('HTTP/1.1 200 OK', 'X-A: a\x01b')],
      ['a DEL byte in a value', head('HTTP/1.1 200 OK', 'X-A: a\x7fb')],
      ['an obs-folded header (space)', head('HTTP/1.1 200 OK', 'X-A: a', ' folded')],
      ['an obs-folded header (tab)', head('HTTP/1.1 200 OK', 'X-A: a', '\tfolded')],
      ['a space before the colon', head('HTTP/1.1 200 OK', 'Content-Length : 0')],
      ['a header line without a colon', head('HTTP/1.1 200 OK', 'X-No-Colon')],
      ['an empty field name', head('HTTP/1.1 200 OK', ': v')],
      ['a two-digit status', head('HTTP/1.1 20 OK')],
      ['a four-digit status', head('HTTP/1.1 2000 OK')],
      ['a status of 600', head('HTTP/1.1 600 X')],
      ['a status of 099', head('HTTP/1.1 099 X')],
      ['HTTP/2', head('HTTP/2 200')],
      ['HTTP/1.2', head('HTTP/1.2 200 OK')],
      ['a lower-case version', head('http/1.1 200 OK')],
      ['two spaces before the status', head('HTTP/1.1  200 OK')],
      ['no space before the reason', head('HTTP/1.1 200OK')],
      ['a control character in the reason', head('HTTP/1.1 200 O\x01K')],
      ['an empty line before the status line', head('', 'HTTP/1.1 200 OK')],
      ['a request line', head('GET / HTTP/1.1', 'Host: h')],
    ]
    for (const [name, buffer] of cases) {
      it(`refuses ${name}`, () => {
        assert.equal(parseResponseHead(buffer, 'GET', MAX), 'invalid')
      })
    }

    it('refuses a head longer than the limit, with its blank line or without', () => {
      const whole = head('HTTP/1.1 200 OK', 'Content-Length: 0', `X-Big: ${'a'.repeat(200)}`)
      assert.equal(parsed(whole, 'GET', whole.length).length, whole.length)
      assert.equal(parseResponseHead(whole, 'GET', whole.length - 1), 'invalid')
      const partial = whole.subarray(0, 150)
      assert.equal(parseResponseHead(partial, 'GET', 150), 'incomplete')
      assert.equal(parseResponseHead(partial, 'GET', 149), 'invalid')
    })
  })
})
