/**
 * Base64url without padding (RFC 4648 §5), the encoding of every value Coatcheck puts in a
 * cookie: its alphabet needs no quoting in a Cookie or Set-Cookie header.
 *
 * @see https://www.rfc-editor.org/rfc/rfc4648#section-5
 */

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'

/** Six-bit value of each ASCII code, or -1 for a character outside the alphabet. */
const DECODE_TABLE = new Int8Array(128).fill(-1)
for (let i = 0; i < ALPHABET.length; i++) DECODE_TABLE[ALPHABET.charCodeAt(i)] = i

/** Encodes bytes as unpadded base64url text. */
export function encodeBase64Url(bytes: Uint8Array): string {
  let text = ''
  const whole = bytes.length - (bytes.length % 3)
  for (let i = 0; i < whole; i += 3) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!
    text +=
      ALPHABET.charAt(n >>> 18) +
      ALPHABET.charAt((n >>> 12) & 63) +
      ALPHABET.charAt((n >>> 6) & 63) +
      ALPHABET.charAt(n & 63)
  }
  if (bytes.length - whole === 1) {
    const n = bytes[whole]!
    text += ALPHABET.charAt(n >>> 2) + ALPHABET.charAt((n & 3) << 4)
  } else if (bytes.length - whole === 2) {
    const n = (bytes[whole]! << 8) | bytes[whole + 1]!
    text +=
      ALPHABET.charAt(n >>> 10) + ALPHABET.charAt((n >>> 4) & 63) + ALPHABET.charAt((n & 15) << 2)
  }
  return text
}

/**
 * Decodes unpadded base64url text. Strict: padding, whitespace, the `+/` alphabet and
 * non-zero trailing bits are refused, so each byte string has exactly one encoding and a
 * value cannot be altered into another spelling that decodes the same.
 *
 * @throws TypeError when `text` is not canonical base64url.
 */
export function decodeBase64Url(text: string): Uint8Array<ArrayBuffer> {
  const tail = text.length % 4
  if (tail === 1) throw new TypeError('invalid base64url: impossible length')
  const bytes = new Uint8Array(Math.floor((text.length * 3) / 4))
  const whole = text.length - tail
  let at = 0
  for (let i = 0; i < whole; i += 4) {
    const n =
      (sextet(text, i) << 18) |
      (sextet(text, i + 1) << 12) |
      (sextet(text, i + 2) << 6) |
      sextet(text, i + 3)
    bytes[at++] = n >>> 16
    bytes[at++] = (n >>> 8) & 255
    bytes[at++] = n & 255
  }
  if (tail === 2) {
    const n = (sextet(text, whole) << 6) | sextet(text, whole + 1)
    if ((n & 15) !== 0) throw new TypeError('invalid base64url: non-canonical ending')
    bytes[at] = n >>> 4
  } else if (tail === 3) {
    const n = (sextet(text, whole) << 12) | (sextet(text, whole + 1) << 6) | sextet(text, whole + 2)
    if ((n & 3) !== 0) throw new TypeError('invalid base64url: non-canonical ending')
    bytes[at++] = n >>> 10
    bytes[at] = (n >>> 2) & 255
  }
  return bytes
}

function sextet(text: string, index: number): number {
  const code = text.charCodeAt(index)
  const value = code < 128 ? DECODE_TABLE[code]! : -1
  if (value < 0) throw new TypeError('invalid base64url: character outside the alphabet')
  return value
}
