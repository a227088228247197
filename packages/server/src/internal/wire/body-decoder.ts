import type { BodyFraming } from './parse-response-head.ts'

/** What one chunk of socket data held: body bytes, and whether the body ended in it. */
export interface DecodedBody {
  readonly data: Buffer[]
  readonly done: boolean
  /** Bytes after the end of the body (none expected: the caller never reuses the socket). */
  readonly extra: number
}

/** Reads a body off a stream of socket data; `undefined` from `push` means malformed. */
export interface BodyDecoder {
  push(chunk: Buffer): DecodedBody | undefined
}

// A chunk-size line is hex digits and extensions; 2^48 bytes is far beyond any real chunk.
const SIZE_LINE = /^([0-9A-Fa-f]{1,12})[ \t]*(?:;[^\r\n]*)?$/
const MAX_LINE = 4096
const MAX_TRAILERS = 16_384

/** A decoder for `framing`. Close-delimited bodies end when the socket does. */
export function createBodyDecoder(framing: BodyFraming): BodyDecoder {
  switch (framing.kind) {
    case 'none':
      return { push: (chunk) => ({ data: [], done: true, extra: chunk.length }) }
    case 'close':
      return { push: (chunk) => ({ data: chunk.length > 0 ? [chunk] : [], done: false, extra: 0 }) }
    case 'length':
      return createLengthDecoder(framing.bytes)
    case 'chunked':
      return createChunkedDecoder()
  }
}

function createLengthDecoder(bytes: number): BodyDecoder {
  let remaining = bytes
  return {
    push(chunk) {
      const take = Math.min(remaining, chunk.length)
      remaining -= take
      const data = take === 0 ? [] : [take === chunk.length ? chunk : chunk.subarray(0, take)]
      return { data, done: remaining === 0, extra: chunk.length - take }
    },
  }
}

/**
 * Chunked transfer coding, decoded: the browser's response is re-chunked by Coatcheck, so
 * chunk extensions and trailer fields (which could carry `Set-Cookie`) never cross.
 *
 * @see https://www.rfc-editor.org/rfc/rfc9112#section-7.1
 */
function createChunkedDecoder(): BodyDecoder {
  let state: 'size' | 'data' | 'data-end' | 'trailers' | 'done' = 'size'
  let remaining = 0
  let line = ''
  let trailerBytes = 0
  return {
    push(chunk) {
      const data: Buffer[] = []
      let at = 0
      while (at < chunk.length && state !== 'done') {
        if (state === 'data') {
          const take = Math.min(remaining, chunk.length - at)
          data.push(chunk.subarray(at, at + take))
          at += take
          remaining -= take
          if (remaining === 0) state = 'data-end'
          continue
        }
        // Line states: size line, the CRLF after data, trailer lines.
        const lf = chunk.indexOf(10, at)
        const stop = lf < 0 ? chunk.length : lf + 1
        line += chunk.toString('latin1', at, stop)
        at = stop
        if (line.length > MAX_LINE) return undefined
        if (lf < 0) continue
        if (!line.endsWith('\r\n')) return undefined
        const text = line.slice(0, -2)
        line = ''
        if (state === 'data-end') {
          if (text !== '') return undefined
          state = 'size'
        } else if (state === 'size') {
          const size = SIZE_LINE.exec(text)
          if (!size) return undefined
          remaining = parseInt(size[1] as string, 16)
          state = remaining === 0 ? 'trailers' : 'data'
        } else {
          trailerBytes += text.length + 2
          if (trailerBytes > MAX_TRAILERS) return undefined
          if (text === '') state = 'done'
        }
      }
      return { data, done: state === 'done', extra: chunk.length - at }
    },
  }
}
