import { FIELD_LINE, readHeadText } from './head-lines.ts'

/** How the body of an upstream response is delimited (RFC 9112 §6.3). */
export type BodyFraming =
  | { readonly kind: 'none' }
  | { readonly kind: 'length'; readonly bytes: number }
  | { readonly kind: 'chunked' }
  | { readonly kind: 'close' }

/** An upstream response head. */
export interface WireResponseHead {
  readonly status: number
  /** `[name, value, …]`, names lower-case. */
  readonly raw: readonly string[]
  /** Bytes of the head, blank line included. */
  readonly length: number
  readonly framing: BodyFraming
  /** Whether the connection can carry another request once the body is read. */
  readonly reusable: boolean
}

/** `incomplete`: more bytes needed; `invalid`: nothing a proxy may relay (the caller's 502). */
export type ParsedResponseHead = WireResponseHead | 'incomplete' | 'invalid'

const STATUS_LINE = /HTTP\/1\.([01]) ([1-5]\d\d)(?: [\t\x20-\x7e\x80-\xff]*)?\r\n/y

/**
 * Parses the head of an upstream's answer to a request with `method`. Values with CR, LF or
 * NUL, obs-fold, conflicting lengths and malformed lines are `invalid`, never relayed: a
 * header the browser would read differently than Coatcheck did could split the response.
 *
 * @see https://www.rfc-editor.org/rfc/rfc9112#section-6.3
 */
export function parseResponseHead(
  buffer: Buffer,
  method: string,
  maxHeadSize: number,
): ParsedResponseHead {
  const head = readHeadText(buffer, maxHeadSize)
  if (head === 'incomplete') return head
  if (head === 'malformed') return 'invalid'
  const { text, length: headLength } = head
  STATUS_LINE.lastIndex = 0
  const line = STATUS_LINE.exec(text)
  if (!line) return 'invalid'
  const status = Number(line[2])
  const raw: string[] = []
  let length: string | undefined
  let codings: string | undefined
  let close = line[1] === '0'
  FIELD_LINE.lastIndex = STATUS_LINE.lastIndex
  while (FIELD_LINE.lastIndex < text.length) {
    const field = FIELD_LINE.exec(text)
    if (!field) return 'invalid'
    const name = (field[1] as string).toLowerCase()
    const value = field[2] as string
    if (name === 'content-length') {
      // Repeats are allowed only when they agree (RFC 9110 §8.6).
      if (!/^\d{1,15}$/.test(value) || (length !== undefined && length !== value)) return 'invalid'
      length = value
    } else if (name === 'transfer-encoding') {
      codings = codings === undefined ? value : `${codings}, ${value}`
    } else if (name === 'connection' && /(?:^|,)[ \t]*close[ \t]*(?:,|$)/i.test(value)) {
      close = true
    }
    raw.push(name, value)
  }
  const framing = framingOf(status, method, length, codings)
  // With both Transfer-Encoding and Content-Length the message was made to confuse someone:
  // read it by Transfer-Encoding and never reuse the connection (RFC 9112 §6.3, point 3).
  const conflicting = codings !== undefined && length !== undefined
  const reusable = !close && !conflicting && framing.kind !== 'close'
  return { status, raw, length: headLength, framing, reusable }
}

function framingOf(
  status: number,
  method: string,
  length: string | undefined,
  codings: string | undefined,
): BodyFraming {
  if (method === 'HEAD' || status < 200 || status === 204 || status === 304) return { kind: 'none' }
  if (codings !== undefined) {
    const last = codings.split(',').at(-1)?.trim().toLowerCase()
    return last === 'chunked' ? { kind: 'chunked' } : { kind: 'close' }
  }
  if (length !== undefined) return { kind: 'length', bytes: Number(length) }
  return { kind: 'close' }
}
