// Builds DPoP proofs for tests, valid by default, with any claim or header overridden.
import { base64url, exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose'

/** A client's DPoP key pair and the public JWK. */
export interface DpopKey {
  keyPair: CryptoKeyPair
  publicJwk: JWK
}

/** Generates an ES256 DPoP key (extractable, so openid-client can use it too). */
export async function createDpopKey(): Promise<DpopKey> {
  const keyPair = await generateKeyPair('ES256', { extractable: true })
  return { keyPair, publicJwk: await exportJWK(keyPair.publicKey) }
}

/** What a proof is for. */
export interface ProofInput {
  key: DpopKey
  method: string
  url: string
  accessToken: string
  nonce?: string
  /** Overrides (undefined drops a claim). */
  claims?: Record<string, unknown>
  header?: Record<string, unknown>
  /** Sign with another private key than the one in the header (forgery). */
  signWith?: CryptoKey
}

/** Signs a DPoP proof (RFC 9449 §4.2). */
export async function createDpopProof(input: ProofInput): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(input.accessToken))
  const claims = Object.fromEntries(
    Object.entries({
      jti: crypto.randomUUID(),
      htm: input.method,
      htu: input.url,
      iat: Math.floor(Date.now() / 1000),
      ath: base64url.encode(new Uint8Array(digest)),
      nonce: input.nonce,
      ...input.claims,
    }).filter(([, value]) => value !== undefined),
  )
  const header = Object.fromEntries(
    Object.entries({
      alg: 'ES256',
      typ: 'dpop+jwt',
      jwk: input.key.publicJwk,
      ...input.header,
    }).filter(([, value]) => value !== undefined),
  )
  return new SignJWT(claims)
    .setProtectedHeader(header as { alg: string })
    .sign(input.signWith ?? input.key.keyPair.privateKey)
}
