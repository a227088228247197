import { generateKeyPairSync, randomBytes, randomUUID, type KeyObject } from 'node:crypto'
import type { Jwk } from 'oidc-provider'

/**
 * Generates a fresh in-memory signing key set: ES256 for JWT access tokens (RFC 9068) and
 * RS256, the OIDC default for ID and logout tokens that every client library accepts.
 * Keys live only as long as the process; tokens from a previous run stop verifying, which is
 * what a development IdP should do.
 */
export function generateSigningJwks(): { keys: Jwk[] } {
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey
  return { keys: [toJwk(rsa, 'RS256'), toJwk(ec, 'ES256')] }
}

/** Generates the key that signs the IdP's session and interaction cookies. */
export function generateCookieKeys(): string[] {
  return [randomBytes(32).toString('base64url')]
}

function toJwk(privateKey: KeyObject, alg: string): Jwk {
  const jwk = privateKey.export({ format: 'jwk' })
  return { ...jwk, kty: String(jwk.kty), kid: randomUUID(), alg, use: 'sig' }
}
