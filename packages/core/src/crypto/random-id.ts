import { encodeBase64Url } from './base64url.ts'

/**
 * A random identifier from the platform CSPRNG, as base64url text. The default 16 bytes
 * (128 bits, 22 characters) is the entropy OWASP recommends for a self-generated session id.
 *
 * @see https://cheatsheetseries.owasp.org/cheatsheets/Session_Management_Cheat_Sheet.html#session-id-entropy
 */
export function randomId(bytes = 16): string {
  if (!Number.isSafeInteger(bytes) || bytes < 1 || bytes > 65_536) {
    throw new TypeError('randomId: bytes must be an integer from 1 to 65536')
  }
  return encodeBase64Url(crypto.getRandomValues(new Uint8Array(bytes)))
}
