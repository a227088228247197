import { webCryptoAesGcm, type AesGcm, type AesGcmKey } from './aes-gcm.ts'
import { decodeBase64Url, encodeBase64Url } from './base64url.ts'
import { createOpenedValues } from './internal/opened-values.ts'
import { deriveSealingKey, KID_BYTES, type SealingKey } from './internal/sealing-key.ts'

/**
 * Authenticated encryption of small values that travel through the browser (sealed cookie
 * sessions, login transactions): the browser can neither read nor change them (C-09).
 */
export interface Sealer {
  /**
   * Seals with AES-256-GCM under the newest key. `context` (e.g. the cookie name) is bound
   * as additional data, so a value sealed for one purpose never opens for another.
   * The result is compact base64url text, safe in a cookie.
   */
  seal(plaintext: Uint8Array, context: string): Promise<string>
  /**
   * Opens with whichever configured key sealed it. `undefined` for anything tampered,
   * truncated, malformed or sealed with an unknown key; never throws on bad input.
   * `rotated` is true when a key other than the newest opened it: re-seal it (renew).
   */
  open(
    sealed: string,
    context: string,
  ): Promise<{ plaintext: Uint8Array; rotated: boolean } | undefined>
  /** Seals `JSON.stringify(value)`. */
  sealJson(value: unknown, context: string): Promise<string>
  /**
   * Opens and parses a value sealed with {@link Sealer.sealJson}; the shape is not checked.
   * The value is deep-frozen and may be shared: the most recently opened values are
   * remembered by their sealed text (about 4 MiB of it), so opening the same text again,
   * as a session read on every API call does, costs a map lookup.
   */
  openJson<T = unknown>(
    sealed: string,
    context: string,
  ): Promise<{ value: T; rotated: boolean } | undefined>
}

/** Options of {@link createSealer}. */
export interface SealerOptions {
  /** The AES-256-GCM implementation. Default: WebCrypto's. */
  aesGcm?: AesGcm
}

/*
 * Sealed layout, one base64url blob so the cookie budget pays for no separators:
 *   version (1) | key id (4) | IV (12) | ciphertext | GCM tag (16)
 * Additional data = version | key id | UTF-8 context, so neither the header nor the
 * purpose can be swapped without failing the tag.
 */
const VERSION = 1
const HEADER_BYTES = 1 + KID_BYTES
const IV_BYTES = 12
const TAG_BYTES = 16
const MIN_SEALED_BYTES = HEADER_BYTES + IV_BYTES + TAG_BYTES
/** Sealed text that `openJson` remembers, in characters: about a thousand cookie sessions. */
const OPENED_BUDGET_CHARS = 4 * 1024 * 1024

const encoder = new TextEncoder()
const decoder = new TextDecoder('utf-8', { fatal: true })

/**
 * Creates a {@link Sealer} from the configured `keys`: base64url secrets of at least 32
 * bytes, newest first. New values are sealed with the first; values sealed with any of them
 * still open, flagged `rotated` so callers re-seal them.
 *
 * The IV is 96 random bits per seal; rotate keys well before 2^32 seals per key.
 *
 * @throws TypeError on an empty list or a malformed or short key.
 * @see https://nvlpubs.nist.gov/nistpubs/Legacy/SP/nistspecialpublication800-38d.pdf (GCM)
 */
export async function createSealer(
  keys: readonly string[],
  options: SealerOptions = {},
): Promise<Sealer> {
  if (keys.length === 0) throw new TypeError('createSealer needs at least one key')
  const aesGcm = options.aesGcm ?? webCryptoAesGcm
  const derived = await Promise.all(
    keys.map(async (secret, i) => {
      const sealingKey = await deriveSealingKey(secret, i)
      return { ...sealingKey, key: await aesGcm(sealingKey.aes) }
    }),
  )
  const newest = derived[0]!
  const byKid = new Map<string, { key: AesGcmKey; rotated: boolean }[]>()
  derived.forEach(({ key, kid }, i) => {
    const id = encodeBase64Url(kid)
    const candidates = byKid.get(id) ?? []
    // A 32-bit id can collide; every key under it is tried, newest first.
    candidates.push({ key, rotated: i !== 0 })
    byKid.set(id, candidates)
  })
  const opened = createOpenedValues(OPENED_BUDGET_CHARS)

  async function seal(plaintext: Uint8Array, context: string): Promise<string> {
    const header = encodeHeader(newest)
    const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES))
    const ciphertext = await newest.key.encrypt(iv, plaintext, additionalData(header, context))
    const sealed = new Uint8Array(HEADER_BYTES + IV_BYTES + ciphertext.byteLength)
    sealed.set(header, 0)
    sealed.set(iv, HEADER_BYTES)
    sealed.set(ciphertext, HEADER_BYTES + IV_BYTES)
    return encodeBase64Url(sealed)
  }

  async function open(
    sealed: string,
    context: string,
  ): Promise<{ plaintext: Uint8Array; rotated: boolean } | undefined> {
    const bytes = decodeOrUndefined(sealed)
    if (!bytes || bytes.length < MIN_SEALED_BYTES || bytes[0] !== VERSION) return undefined
    const header = bytes.subarray(0, HEADER_BYTES)
    const candidates = byKid.get(encodeBase64Url(header.subarray(1)))
    if (!candidates) return undefined
    const iv = bytes.subarray(HEADER_BYTES, HEADER_BYTES + IV_BYTES)
    const aad = additionalData(header, context)
    const ciphertext = bytes.subarray(HEADER_BYTES + IV_BYTES)
    for (const { key, rotated } of candidates) {
      // Wrong key or altered bytes fail the tag check: then the next key, if any.
      const plaintext = await key.decrypt(iv, ciphertext, aad)
      if (plaintext) return { plaintext, rotated }
    }
    return undefined
  }

  return {
    seal,
    open,
    async sealJson(value, context) {
      const json = JSON.stringify(value) as string | undefined
      if (json === undefined) throw new TypeError('sealJson: value is not JSON-serialisable')
      return seal(encoder.encode(json), context)
    },
    async openJson<T = unknown>(sealed: string, context: string) {
      const known = opened.get(sealed, context)
      if (known) return { value: known.value as T, rotated: known.rotated }
      const result = await open(sealed, context)
      if (!result) return undefined
      try {
        const value = JSON.parse(decoder.decode(result.plaintext)) as unknown
        return {
          value: opened.remember(sealed, context, value, result.rotated) as T,
          rotated: result.rotated,
        }
      } catch {
        // Authentic but not JSON: sealed with seal() for the same context. Not ours to read.
        return undefined
      }
    },
  }
}

function encodeHeader(key: SealingKey): Uint8Array<ArrayBuffer> {
  const header = new Uint8Array(HEADER_BYTES)
  header[0] = VERSION
  header.set(key.kid, 1)
  return header
}

function additionalData(header: Uint8Array, context: string): Uint8Array<ArrayBuffer> {
  const purpose = encoder.encode(context)
  const data = new Uint8Array(header.length + purpose.length)
  data.set(header, 0)
  data.set(purpose, header.length)
  return data
}

function decodeOrUndefined(sealed: unknown): Uint8Array<ArrayBuffer> | undefined {
  if (typeof sealed !== 'string') return undefined
  try {
    return decodeBase64Url(sealed)
  } catch {
    return undefined
  }
}
