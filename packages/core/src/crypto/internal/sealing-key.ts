import { decodeBase64Url } from '../base64url.ts'

/** One configured secret, turned into a cipher key and the id that names it in sealed text. */
export interface SealingKey {
  /**
   * The 32 bytes of the AES-256-GCM key, derived so the raw secret is never used as a
   * cipher key. The same bits WebCrypto's `deriveKey` gives for the same label.
   */
  readonly aes: Uint8Array<ArrayBuffer>
  /** Short public key id; derived with a separate HKDF label so it reveals nothing of `key`. */
  readonly kid: Uint8Array<ArrayBuffer>
}

/** Bytes of the key id written in every sealed value. */
export const KID_BYTES = 4

const MIN_SECRET_BYTES = 32
const encoder = new TextEncoder()

/**
 * Derives the AES key and key id of a base64url secret with HKDF-SHA-256, one label each.
 *
 * @throws TypeError when the secret is not base64url of at least 32 bytes; the message
 *   names the key's position, never its value.
 * @see https://www.rfc-editor.org/rfc/rfc5869
 */
export async function deriveSealingKey(secret: string, position: number): Promise<SealingKey> {
  let raw: Uint8Array<ArrayBuffer>
  try {
    raw = decodeBase64Url(secret)
  } catch {
    throw new TypeError(`keys[${position}] is not base64url`)
  }
  if (raw.length < MIN_SECRET_BYTES) {
    throw new TypeError(`keys[${position}] is shorter than ${MIN_SECRET_BYTES} bytes`)
  }
  const master = await crypto.subtle.importKey('raw', raw, 'HKDF', false, [
    'deriveKey',
    'deriveBits',
  ])
  const aes = await crypto.subtle.deriveBits(hkdf('coatcheck seal v1'), master, 256)
  const kid = await crypto.subtle.deriveBits(hkdf('coatcheck key id v1'), master, KID_BYTES * 8)
  return { aes: new Uint8Array(aes), kid: new Uint8Array(kid) }
}

function hkdf(info: string): HkdfParams {
  return { name: 'HKDF', hash: 'SHA-256', salt: new Uint8Array(0), info: encoder.encode(info) }
}
