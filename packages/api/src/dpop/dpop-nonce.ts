import { base64url } from 'jose'

/**
 * Server-issued DPoP nonces (S-23): once set, every proof must carry a nonce this source
 * accepts, which caps how long a pre-generated proof stays usable.
 * @see https://www.rfc-editor.org/rfc/rfc9449#section-9
 */
export interface DpopNonceSource {
  /** A nonce to send in the `DPoP-Nonce` header. */
  issue(): string | Promise<string>
  /** Whether a proof's `nonce` is still acceptable. */
  check(nonce: string): boolean | Promise<boolean>
}

/** Options of {@link createRotatingDpopNonce}. */
export interface RotatingDpopNonceOptions {
  /** HMAC key, at least 32 bytes; share it between instances. Default: random per process. */
  secret?: Uint8Array
  /** How long one nonce is issued; it stays valid one period more. Default 300 seconds. */
  rotationSeconds?: number
  /** Clock in milliseconds; default `Date.now`. */
  now?: () => number
}

/**
 * A stateless rotating nonce: the current time step and its HMAC. The current and the
 * previous step are accepted, so a nonce lives between one and two periods and nothing is
 * stored. Instances that share `secret` accept each other's nonces.
 */
export function createRotatingDpopNonce(options: RotatingDpopNonceOptions = {}): DpopNonceSource {
  // A copy: later changes to the caller's array must not change the key.
  const secret = new Uint8Array(options.secret ?? crypto.getRandomValues(new Uint8Array(32)))
  if (secret.byteLength < 32) {
    throw new TypeError('`secret` of createRotatingDpopNonce must be at least 32 bytes')
  }
  const periodMs = (options.rotationSeconds ?? 300) * 1000
  const now = options.now ?? Date.now
  const key = crypto.subtle.importKey('raw', secret, { name: 'HMAC', hash: 'SHA-256' }, false, [
    'sign',
    'verify',
  ])

  const sign = async (step: number): Promise<Uint8Array<ArrayBuffer>> =>
    new Uint8Array(await crypto.subtle.sign('HMAC', await key, encodeStep(step)))

  return {
    async issue() {
      const step = Math.floor(now() / periodMs)
      return `${step.toString(36)}.${base64url.encode(await sign(step))}`
    },
    async check(nonce) {
      const [stepText = '', mac = ''] = nonce.split('.')
      const step = Number.parseInt(stepText, 36)
      const current = Math.floor(now() / periodMs)
      if (!/^[0-9a-z]{1,12}$/.test(stepText) || (step !== current && step !== current - 1)) {
        return false
      }
      let signature: Uint8Array<ArrayBuffer>
      try {
        signature = new Uint8Array(base64url.decode(mac))
      } catch {
        return false
      }
      // crypto.subtle.verify compares in constant time: no timing oracle to forge a MAC.
      return crypto.subtle.verify('HMAC', await key, signature, encodeStep(step))
    },
  }
}

function encodeStep(step: number): Uint8Array<ArrayBuffer> {
  return new TextEncoder().encode(`dpop-nonce:${step}`)
}
