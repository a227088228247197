import * as client from 'openid-client'
import { SignJWT, importJWK, type JWK } from 'jose'
import { encodeBase64Url } from '../crypto/base64url.ts'
import { randomId } from '../crypto/random-id.ts'

/**
 * Coatcheck's DPoP key and proofs (RFC 9449). The key binds the tokens of `dpop` routes:
 * the token endpoint sees proofs through openid-client (which also handles the IdP's
 * nonces), upstream calls get a fresh proof each, with `ath` and the upstream's nonce.
 *
 * Without a configured key each process makes its own, non-extractable one: enough for one
 * instance; several instances need the same key, or they refresh each other's tokens.
 *
 * @see https://www.rfc-editor.org/rfc/rfc9449
 */
export interface DpopSigner {
  /** The openid-client handle for token requests. */
  handle(discovered: client.Configuration): client.DPoPHandle
  /** A proof for one upstream request (RFC 9449 §4.2, §7). */
  proof(method: string, url: URL, accessToken: string): Promise<string>
  /** Remembers a nonce an upstream asked for (RFC 9449 §9). */
  rememberNonce(url: URL, nonce: string): void
}

/** A private EC P-256 key as JWK (`kty`, `crv`, `x`, `y`, `d`). */
export type DpopPrivateJwk = { kty: 'EC'; crv: 'P-256'; x: string; y: string; d: string }

/** Creates the signer from a configured key, or a fresh non-extractable one. */
export async function createDpopSigner(privateJwk?: DpopPrivateJwk): Promise<DpopSigner> {
  const keyPair = privateJwk ? await importKeyPair(privateJwk) : await generateKeyPair()
  const { kty = 'EC', crv, x, y } = (await crypto.subtle.exportKey('jwk', keyPair.publicKey)) as JWK
  // Only the public members: a proof must never carry private key material (RFC 9449 §4.2).
  const publicHeaderJwk: JWK = { kty, ...(crv && { crv }), ...(x && { x }), ...(y && { y }) }
  const nonces = new Map<string, string>()
  let handle: client.DPoPHandle | undefined

  return {
    handle(discovered) {
      handle ??= client.getDPoPHandle(discovered, keyPair)
      return handle
    },
    async proof(method, url, accessToken) {
      const ath = encodeBase64Url(
        new Uint8Array(
          await crypto.subtle.digest('SHA-256', new TextEncoder().encode(accessToken)),
        ),
      )
      const nonce = nonces.get(url.origin)
      return new SignJWT({
        jti: randomId(),
        htm: method,
        // The target URI without query and fragment (RFC 9449 §4.2).
        htu: `${url.origin}${url.pathname}`,
        ath,
        ...(nonce === undefined ? {} : { nonce }),
      })
        .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk: publicHeaderJwk })
        .setIssuedAt()
        .sign(keyPair.privateKey)
    },
    rememberNonce(url, nonce) {
      // A nonce is short, opaque and printable; anything else is not one.
      if (/^[\x21-\x7e]{1,256}$/.test(nonce)) nonces.set(url.origin, nonce)
    },
  }
}

async function generateKeyPair(): Promise<CryptoKeyPair> {
  return crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, [
    'sign',
    'verify',
  ])
}

async function importKeyPair(jwk: DpopPrivateJwk): Promise<CryptoKeyPair> {
  const privateKey = (await importJWK({ ...jwk, alg: 'ES256' }, 'ES256', {
    extractable: false,
  })) as CryptoKey
  const { d: _private, ...publicPart } = jwk
  const publicKey = (await importJWK({ ...publicPart, alg: 'ES256' }, 'ES256')) as CryptoKey
  return { privateKey, publicKey }
}
