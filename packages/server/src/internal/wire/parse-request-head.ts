import { FIELD_LINE, readHeadText } from './head-lines.ts'

/** A request head the raw-socket path understands completely. */
export interface WireRequestHead {
  readonly method: string
  /** Origin-form target: `/path?query`. */
  readonly target: string
  /** `[name, value, …]` as sent (names in their own case, values trimmed). */
  readonly raw: readonly string[]
  /** The field names of `raw`, lower-case, in the same order. */
  readonly names: readonly string[]
  /** Bytes of the head, request line to the blank line included. */
  readonly length: number
  /** `false` when the client sent `Connection: close`. */
  readonly keepAlive: boolean
}

/**
 * `incomplete`: the blank line has not arrived yet. `other`: a request this path does not
 * take (a body, an upgrade, HTTP/1.0, anything unusual or malformed), for `node:http`.
 */
export type ParsedRequestHead = WireRequestHead | 'incomplete' | 'other'

// RFC 9110 §9.1 method token, §4.1 origin-form target (visible ASCII), RFC 9112 §2.3 version.
const REQUEST_LINE = /([!#$%&'*+.^_`|~0-9A-Za-z-]+) (\/[!-~]*) HTTP\/1\.1\r\n/y

/**
 * Parses a request head for the raw-socket fast path, strictly: one exact grammar, and
 * `other` for everything else, which `node:http` (llhttp) then parses and answers as
 * before. The path takes only requests without a body (no `Transfer-Encoding`, at most one
 * `Content-Length: 0`), so it never frames a request body itself: the request-smuggling
 * ambiguities (CL+TE, duplicate lengths, obs-fold, bare LF) all fall to `other`.
 *
 * @see https://www.rfc-editor.org/rfc/rfc9112#section-2.2
 * @see https://www.rfc-editor.org/rfc/rfc9112#section-11.2
 */
export function parseRequestHead(buffer: Buffer, maxHeadSize: number): ParsedRequestHead {
  const head = readHeadText(buffer, maxHeadSize)
  if (head === 'incomplete') return head
  if (head === 'malformed') return 'other'
  const { text, length } = head
  REQUEST_LINE.lastIndex = 0
  const line = REQUEST_LINE.exec(text)
  if (!line) return 'other'
  const raw: string[] = []
  const names: string[] = []
  let hosts = 0
  let keepAlive = true
  FIELD_LINE.lastIndex = REQUEST_LINE.lastIndex
  while (FIELD_LINE.lastIndex < text.length) {
    // A line starting with a space (obs-fold) or without a colon fails the grammar.
    const field = FIELD_LINE.exec(text)
    if (!field) return 'other'
    const name = field[1] as string
    const value = field[2] as string
    const lower = name.toLowerCase()
    switch (lower) {
      case 'host':
        hosts++
        break
      case 'content-length':
        // Only an explicit empty body: any other length means a body to frame.
        if (value !== '0' || names.includes('content-length')) return 'other'
        break
      case 'transfer-encoding':
      case 'upgrade':
      case 'expect':
        return 'other'
      case 'connection':
        if (/(?:^|,)[ \t]*close[ \t]*(?:,|$)/i.test(value)) keepAlive = false
        break
    }
    raw.push(name, value)
    names.push(lower)
  }
  // RFC 9112 §3.2: exactly one Host; node:http answers anything else.
  if (hosts !== 1) return 'other'
  return { method: line[1] as string, target: line[2] as string, raw, names, length, keepAlive }
}
