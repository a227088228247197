const END = Buffer.from('\r\n\r\n')
// A CR not before LF, an LF not after CR, or NUL: framing a parser could read two ways.
const STRAY = /\r(?!\n)|(?<!\r)\n|\0/

/**
 * One field line, CRLF included, matched where the previous match ended (sticky). RFC 9110
 * §5.1 field-name token, §5.5 field-value: no control character but HTAB, and no whitespace
 * at either end. Spelled so that it never backtracks over the value: a lazy `(.*?)[ \t]*$`
 * retries the rest of the line at every character, about 28 µs for a 3 kB cookie against
 * 4 µs here. CR, LF and NUL match nowhere in it, so a stray one fails the line.
 */
export const FIELD_LINE =
  /([!#$%&'*+.^_`|~0-9A-Za-z-]+):[ \t]*((?:[\x21-\x7e\x80-\xff](?:[\t\x20-\x7e\x80-\xff]*[\x21-\x7e\x80-\xff])?)?)[ \t]*\r\n/y

/**
 * The text of an HTTP/1.1 head at the start of `buffer`, every line with its CRLF and the
 * blank line left out, and the head's length in bytes. Callers match the start line and then
 * {@link FIELD_LINE} after it, line by line, to the end of the text: a bare CR, a bare LF or
 * NUL anywhere fails a match. `incomplete` until the blank line arrives; `malformed` for a
 * head over `maxHeadSize`, or an incomplete one that already holds a stray byte: a peer
 * ending its lines in bare LF would otherwise wait for a CRLFCRLF that never comes.
 *
 * @see https://www.rfc-editor.org/rfc/rfc9112#section-2.2
 */
export function readHeadText(
  buffer: Buffer,
  maxHeadSize: number,
): { text: string; length: number } | 'incomplete' | 'malformed' {
  const end = buffer.indexOf(END)
  if (end < 0) {
    if (buffer.length > maxHeadSize) return 'malformed'
    // A final CR may still be followed by its LF.
    const settled = buffer.at(-1) === 0x0d ? buffer.length - 1 : buffer.length
    return STRAY.test(buffer.toString('latin1', 0, settled)) ? 'malformed' : 'incomplete'
  }
  const length = end + END.length
  if (length > maxHeadSize) return 'malformed'
  return { text: buffer.toString('latin1', 0, end + 2), length }
}
