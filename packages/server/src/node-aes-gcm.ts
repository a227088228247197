import { createCipheriv, createDecipheriv, createSecretKey } from 'node:crypto'
import type { AesGcm } from '@coatcheck/core'

const TAG_BYTES = 16

/**
 * AES-256-GCM with `node:crypto`, for `createCoatcheck`, `createSqliteStore` and
 * `createRedisStore` (`aesGcm` option): synchronous, where WebCrypto sends every call to the
 * thread pool and back. Same algorithm and layout, so values sealed by either open with the
 * other.
 */
export const nodeAesGcm: AesGcm = async (key) => {
  // A KeyObject, made once: given bytes, every call would first rule out the other key types.
  const secret = createSecretKey(key)
  return {
    encrypt(iv, plaintext, additionalData) {
      const cipher = createCipheriv('aes-256-gcm', secret, iv)
      cipher.setAAD(additionalData)
      const head = cipher.update(plaintext)
      const tail = cipher.final()
      return Buffer.concat([head, tail, cipher.getAuthTag()])
    },
    decrypt(iv, sealed, additionalData) {
      if (sealed.length < TAG_BYTES) return undefined
      const decipher = createDecipheriv('aes-256-gcm', secret, iv)
      decipher.setAAD(additionalData)
      decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES))
      const head = decipher.update(sealed.subarray(0, sealed.length - TAG_BYTES))
      try {
        return Buffer.concat([head, decipher.final()])
      } catch {
        // The tag did not verify: wrong key or altered bytes.
        return undefined
      }
    },
  }
}
