/**
 * AES-256-GCM under one key, as the sealer uses it. The default is WebCrypto's, which every
 * runtime has. A host may pass its own: in Node, WebCrypto runs each call as a job on the
 * thread pool, which costs about six times the CPU of `node:crypto`'s synchronous cipher
 * for a session-sized value, on every API call of a sealed store (`nodeAesGcm` in
 * `@coatcheck/server`).
 */
export interface AesGcmKey {
  /** The ciphertext followed by the 16-byte tag. */
  encrypt(
    iv: Uint8Array,
    plaintext: Uint8Array,
    additionalData: Uint8Array,
  ): Uint8Array | Promise<Uint8Array>
  /** The plaintext, or `undefined` when the tag does not verify (wrong key, altered bytes). */
  decrypt(
    iv: Uint8Array,
    sealed: Uint8Array,
    additionalData: Uint8Array,
  ): Uint8Array | undefined | Promise<Uint8Array | undefined>
}

/** Makes an {@link AesGcmKey} from 32 raw key bytes. */
export type AesGcm = (key: Uint8Array<ArrayBuffer>) => Promise<AesGcmKey>

/** AES-256-GCM with WebCrypto: portable, and the default. */
export const webCryptoAesGcm: AesGcm = async (raw) => {
  const key = await crypto.subtle.importKey('raw', raw, 'AES-GCM', false, ['encrypt', 'decrypt'])
  return {
    async encrypt(iv, plaintext, additionalData) {
      const params = { name: 'AES-GCM', iv: copy(iv), additionalData: copy(additionalData) }
      return new Uint8Array(await crypto.subtle.encrypt(params, key, copy(plaintext)))
    },
    async decrypt(iv, sealed, additionalData) {
      try {
        const params = { name: 'AES-GCM', iv: copy(iv), additionalData: copy(additionalData) }
        return new Uint8Array(await crypto.subtle.decrypt(params, key, copy(sealed)))
      } catch {
        return undefined
      }
    },
  }
}

/** WebCrypto takes `BufferSource`s backed by an `ArrayBuffer`, not a shared one. */
function copy(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return new Uint8Array(bytes)
}
