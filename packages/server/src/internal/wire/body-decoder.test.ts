import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { createBodyDecoder, type BodyDecoder, type DecodedBody } from './body-decoder.ts'

const bytes = (text: string) => Buffer.from(text, 'latin1')

function push(decoder: BodyDecoder, chunk: Buffer | string): DecodedBody {
  const step = decoder.push(typeof chunk === 'string' ? bytes(chunk) : chunk)
  assert.ok(step !== undefined, 'expected the body to decode')
  return step
}

interface Fed {
  data: Buffer
  /** Index of the piece in which the decoder first said done, or -1. */
  doneAt: number
  extra: number
}

/** Feeds `pieces` in turn; checks that no data piece is empty and nothing follows `done`. */
function feed(decoder: BodyDecoder, pieces: Buffer[]): Fed | undefined {
  const data: Buffer[] = []
  let doneAt = -1
  let extra = 0
  for (const [i, piece] of pieces.entries()) {
    const step = decoder.push(piece)
    if (step === undefined) return undefined
    for (const part of step.data) assert.ok(part.length > 0, 'an empty data piece')
    if (doneAt >= 0) {
      assert.deepEqual(step, { data: [], done: true, extra: piece.length })
      extra += piece.length
      continue
    }
    data.push(...step.data)
    if (step.done) {
      doneAt = i
      extra = step.extra
    } else assert.equal(step.extra, 0)
  }
  return { data: Buffer.concat(data), doneAt, extra }
}

/** `buffer` cut at `cuts` (sorted offsets). */
function split(buffer: Buffer, cuts: number[]): Buffer[] {
  const pieces: Buffer[] = []
  let from = 0
  for (const cut of [...cuts, buffer.length]) {
    pieces.push(buffer.subarray(from, cut))
    from = cut
  }
  return pieces
}

/** A small deterministic PRNG (mulberry32), so a failing split can be replayed. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296
  }
}

describe('createBodyDecoder', () => {
  describe('length', () => {
    it('reads a body across several chunks and ends exactly at its length', () => {
      const decoder = createBodyDecoder({ kind: 'length', bytes: 10 })
      assert.deepEqual(push(decoder, 'abc'), { data: [bytes('abc')], done: false, extra: 0 })
      assert.deepEqual(push(decoder, ''), { data: [], done: false, extra: 0 })
      assert.deepEqual(push(decoder, 'defg'), { data: [bytes('defg')], done: false, extra: 0 })
      assert.deepEqual(push(decoder, 'hij'), { data: [bytes('hij')], done: true, extra: 0 })
    })

    it('counts the bytes after the end as extra, and never hands them over', () => {
      const decoder = createBodyDecoder({ kind: 'length', bytes: 5 })
      assert.deepEqual(push(decoder, 'abc'), { data: [bytes('abc')], done: false, extra: 0 })
      assert.deepEqual(push(decoder, 'deHTTP'), { data: [bytes('de')], done: true, extra: 4 })
      assert.deepEqual(push(decoder, 'more'), { data: [], done: true, extra: 4 })
    })

    it('ends a zero-length body at once', () => {
      assert.deepEqual(push(createBodyDecoder({ kind: 'length', bytes: 0 }), ''), {
        data: [],
        done: true,
        extra: 0,
      })
      assert.deepEqual(push(createBodyDecoder({ kind: 'length', bytes: 0 }), 'xy'), {
        data: [],
        done: true,
        extra: 2,
      })
    })
  })

  describe('close', () => {
    it('passes every chunk through and never ends, without empty pieces', () => {
      const decoder = createBodyDecoder({ kind: 'close' })
      assert.deepEqual(push(decoder, 'abc'), { data: [bytes('abc')], done: false, extra: 0 })
      assert.deepEqual(push(decoder, ''), { data: [], done: false, extra: 0 })
      assert.deepEqual(push(decoder, '0\r\n\r\n'), {
        data: [bytes('0\r\n\r\n')],
        done: false,
        extra: 0,
      })
    })
  })

  describe('none', () => {
    it('ends at once and counts every byte as extra', () => {
      const decoder = createBodyDecoder({ kind: 'none' })
      assert.deepEqual(push(decoder, ''), { data: [], done: true, extra: 0 })
      assert.deepEqual(push(decoder, 'HTTP/1.1'), { data: [], done: true, extra: 8 })
    })
  })

  describe('chunked', () => {
    // Upper- and lower-case hex, extensions (with BWS and quoted values), a chunk whose data
    // holds CRLF and the terminator, trailers: all of it, in every split.
    const payload = ['Hello', ', ', 'a'.repeat(26), '\r\n0\r\n\r\n', 'world!', 'x'.repeat(0xab)]
    const encoded = bytes(
      '5\r\nHello\r\n' +
        '2;name=value\r\n, \r\n' +
        '1A ; a="b;c" ;d\r\n' +
        'a'.repeat(26) +
        '\r\n' +
        '7\r\n\r\n0\r\n\r\n\r\n' +
        '6;ext\r\nworld!\r\n' +
        `aB\r\n${'x'.repeat(0xab)}\r\n` +
        '0;last\r\n' +
        'Set-Cookie: evil=1\r\n' +
        'X-Checksum:\tabc\r\n' +
        '\r\n',
    )
    const body = bytes(payload.join(''))

    it('decodes a whole body in one chunk, leaving out extensions and trailers', () => {
      const step = push(createBodyDecoder({ kind: 'chunked' }), encoded)
      assert.deepEqual(Buffer.concat(step.data), body)
      assert.equal(step.done, true)
      assert.equal(step.extra, 0)
      assert.ok(!Buffer.concat(step.data).includes('Set-Cookie'))
    })

    it('decodes a body fed one byte at a time, done exactly at its last byte', () => {
      const pieces = split(
        encoded,
        Array.from({ length: encoded.length - 1 }, (_, i) => i + 1),
      )
      const fed = feed(createBodyDecoder({ kind: 'chunked' }), pieces)
      assert.deepEqual(fed, { data: body, doneAt: pieces.length - 1, extra: 0 })
    })

    it('decodes a body cut in two at every byte', () => {
      for (let cut = 0; cut <= encoded.length; cut++) {
        const fed = feed(createBodyDecoder({ kind: 'chunked' }), split(encoded, [cut]))
        // A cut after the last byte leaves an empty second piece: done in the first.
        const doneAt = cut === encoded.length ? 0 : 1
        assert.deepEqual(fed, { data: body, doneAt, extra: 0 }, `cut at ${cut}`)
      }
    })

    it('decodes a body cut at random places, with bytes after its end', () => {
      const tail = bytes('HTTP/1.1 200 OK\r\n')
      const stream = Buffer.concat([encoded, tail])
      const next = random(0xc0a7)
      for (let round = 0; round < 500; round++) {
        const count = 1 + Math.floor(next() * 12)
        const cuts = Array.from({ length: count }, () => Math.floor(next() * (stream.length + 1)))
        cuts.sort((a, b) => a - b)
        const pieces = split(stream, cuts)
        const fed = feed(createBodyDecoder({ kind: 'chunked' }), pieces)
        assert.ok(fed !== undefined, `cuts ${cuts.join(',')}`)
        assert.deepEqual(fed.data, body, `cuts ${cuts.join(',')}`)
        // Done in the piece holding the body's last byte, with the rest of the stream as extra.
        let end = 0
        const doneAt = pieces.findIndex((piece) => (end += piece.length) >= encoded.length)
        assert.equal(fed.doneAt, doneAt, `cuts ${cuts.join(',')}`)
        assert.equal(fed.extra, stream.length - encoded.length, `cuts ${cuts.join(',')}`)
      }
    })

    it('counts the bytes after the last chunk as extra', () => {
      const step = push(createBodyDecoder({ kind: 'chunked' }), '3\r\nabc\r\n0\r\n\r\nHTTP')
      assert.deepEqual(step, { data: [bytes('abc')], done: true, extra: 4 })
    })

    it('ends an empty body at its last chunk', () => {
      const decoder = createBodyDecoder({ kind: 'chunked' })
      assert.deepEqual(push(decoder, '0\r\n'), { data: [], done: false, extra: 0 })
      assert.deepEqual(push(decoder, '\r\n'), { data: [], done: true, extra: 0 })
      assert.deepEqual(push(decoder, 'x'), { data: [], done: true, extra: 1 })
    })

    it('is not done before the blank line after the last chunk', () => {
      const decoder = createBodyDecoder({ kind: 'chunked' })
      assert.equal(push(decoder, '0\r\nX-Trailer: 1\r\n').done, false)
      assert.equal(push(decoder, '\r').done, false)
      assert.equal(push(decoder, '\n').done, true)
    })

    it('accepts a size of 12 hex digits with leading zeros', () => {
      const step = push(createBodyDecoder({ kind: 'chunked' }), '000000000003\r\nabc\r\n0\r\n\r\n')
      assert.deepEqual(step, { data: [bytes('abc')], done: true, extra: 0 })
    })

    it('accepts a size line exactly 4096 bytes long', () => {
      const line = `3;${'e'.repeat(4096 - 4)}\r\n`
      assert.equal(line.length, 4096)
      const step = push(createBodyDecoder({ kind: 'chunked' }), `${line}abc\r\n0\r\n\r\n`)
      assert.deepEqual(step, { data: [bytes('abc')], done: true, extra: 0 })
    })

    it('accepts trailers of 16 KiB in total, the blank line included', () => {
      const field = (size: number) => `X-T: ${'t'.repeat(size - 7)}\r\n`
      const trailers = field(4096) + field(4096) + field(4096) + field(4094) + '\r\n'
      assert.equal(trailers.length, 16_384)
      const step = push(createBodyDecoder({ kind: 'chunked' }), `0\r\n${trailers}`)
      assert.deepEqual(step, { data: [], done: true, extra: 0 })
    })

    describe('malformed', () => {
      const field = (size: number) => `X-T: ${'t'.repeat(size - 7)}\r\n`
      const cases: [string, string][] = [
        ['a non-hex size', 'g\r\nabc\r\n0\r\n\r\n'],
        ['a size with a 0x prefix', '0x3\r\nabc\r\n0\r\n\r\n'],
        ['a negative size', '-3\r\nabc\r\n0\r\n\r\n'],
        ['an empty size line', '\r\nabc\r\n0\r\n\r\n'],
        ['a space before the size', ' 3\r\nabc\r\n0\r\n\r\n'],
        ['a size with 13 hex digits', '0000000000003\r\nabc\r\n0\r\n\r\n'],
        ['a huge size', 'fffffffffffff\r\n'],
        ['data longer than its size', '3\r\nabcd\r\n0\r\n\r\n'],
        ['data without CRLF after it', '3\r\nabc0\r\n\r\n'],
        ['data followed by bare LF', '3\r\nabc\n0\r\n\r\n'],
        ['a size line ending in bare LF', '3\nabc\r\n0\r\n\r\n'],
        ['a last-chunk line ending in bare LF', '3\r\nabc\r\n0\n\r\n'],
        ['a trailer line ending in bare LF', '0\r\nX-T: 1\n\r\n'],
        ['a blank line ending in bare LF', '0\r\n\n'],
        ['a bare CR in the size line', '3\r;x\r\nabc\r\n0\r\n\r\n'],
        ['a size line longer than 4096 bytes', `3;${'e'.repeat(4097 - 4)}\r\nabc\r\n0\r\n\r\n`],
        ['trailers over 16 KiB in total', `0\r\n${field(4096).repeat(3)}${field(4095)}\r\n`],
        ['trailers far over 16 KiB', `0\r\n${field(4000).repeat(5)}\r\n`],
        ['a trailer line longer than 4096 bytes', `0\r\n${field(4097)}\r\n`],
      ]
      for (const [name, text] of cases) {
        it(`refuses ${name}`, () => {
          assert.equal(createBodyDecoder({ kind: 'chunked' }).push(bytes(text)), undefined)
        })

        it(`refuses ${name}, fed one byte at a time`, () => {
          const buffer = bytes(text)
          const pieces = split(
            buffer,
            Array.from({ length: buffer.length - 1 }, (_, i) => i + 1),
          )
          assert.equal(feed(createBodyDecoder({ kind: 'chunked' }), pieces), undefined)
        })
      }

      it('refuses a size line that grows past 4096 bytes before its LF arrives', () => {
        const decoder = createBodyDecoder({ kind: 'chunked' })
        assert.equal(push(decoder, `3;${'e'.repeat(4000)}`).done, false)
        assert.equal(decoder.push(bytes('e'.repeat(100))), undefined)
      })
    })
  })
})
