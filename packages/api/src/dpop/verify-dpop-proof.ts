import {
  base64url,
  calculateJwkThumbprint,
  decodeProtectedHeader,
  EmbeddedJWK,
  jwtVerify,
} from 'jose'
import { AuthFailure, fail } from '../errors/internal/auth-failure.ts'
import { readProofClaims, type DpopProofClaims } from './dpop-proof-claims.ts'
import type { DpopNonceSource } from './dpop-nonce.ts'
import { normalizeHtu } from './htu.ts'
import type { ReplayCache } from './replay-cache.ts'

/** The request and token a DPoP proof must match. */
export interface DpopProofContext {
  /** Values of the `DPoP` header(s). */
  readonly proofs: readonly string[]
  readonly method: string
  /** The public URL of the request (see `publicUrl`). */
  readonly publicUrl: string
  readonly accessToken: string
  /** The token's `cnf.jkt`. */
  readonly jkt: string
  readonly algorithms: readonly string[]
  readonly proofMaxAgeSeconds: number
  readonly clockToleranceSeconds: number
  readonly replayCache: ReplayCache
  readonly nonce: DpopNonceSource | undefined
  readonly now: () => number
}

// RFC 7517/7518: members that only a private (or symmetric) key has.
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k']

/**
 * Checks a DPoP proof at the resource server: every check of RFC 9449 §4.3 plus the token
 * binding of §7.1 (S-20), server nonces (S-23) and single use of each proof (S-22).
 * @see https://www.rfc-editor.org/rfc/rfc9449#section-4.3
 */
export async function verifyDpopProof(context: DpopProofContext): Promise<void> {
  const proof = readSingleProof(context.proofs)
  const { payload, jwk } = await verifySignature(proof, context.algorithms, context.now)
  const claims = readProofClaims(payload)
  if (claims.htm !== context.method) fail('dpop_htm_mismatch')
  const htu = normalizeHtu(claims.htu)
  // The proof names the URL it was made for; a proof captured for one endpoint (or one
  // API) must not open another. The public URL is used, never the Host header.
  if (htu === undefined || htu !== normalizeHtu(context.publicUrl)) fail('dpop_htu_mismatch')
  await checkNonce(claims, context)
  checkIssuedAt(claims.iat, context)
  // ath ties the proof to this very token: a proof cannot travel with another token.
  if (claims.ath !== (await sha256(context.accessToken))) fail('dpop_ath_mismatch')
  // The binding itself: only the holder of the key the token was issued to can use it.
  if ((await calculateJwkThumbprint(jwk, 'sha256')) !== context.jkt) fail('dpop_jkt_mismatch')
  const ttl = context.proofMaxAgeSeconds + 2 * context.clockToleranceSeconds
  if (!(await context.replayCache.seenOnce(await replayKey(claims.jti, htu), ttl))) {
    fail('dpop_replayed')
  }
}

function readSingleProof(proofs: readonly string[]): string {
  if (proofs.length === 0) fail('dpop_proof_missing')
  // Two proofs: which one was checked would depend on the parser (RFC 9449 §4.3 check 1).
  if (proofs.length > 1) fail('dpop_proof_multiple')
  return proofs[0] ?? ''
}

async function verifySignature(proof: string, algorithms: readonly string[], now: () => number) {
  let header: Record<string, unknown>
  try {
    header = decodeProtectedHeader(proof)
  } catch (cause) {
    throw new AuthFailure('dpop_proof_invalid', { cause })
  }
  if (header.typ !== 'dpop+jwt') fail('dpop_proof_invalid')
  // `none` and HS* are never in the allowlist: a MAC proves nothing about a key pair.
  if (typeof header.alg !== 'string' || !algorithms.includes(header.alg)) fail('dpop_proof_invalid')
  const jwk = header.jwk
  if (typeof jwk !== 'object' || jwk === null || Array.isArray(jwk)) fail('dpop_proof_invalid')
  // A proof carrying a private key is a leaked key: whoever saw it can sign as the client.
  if (PRIVATE_MEMBERS.some((member) => Object.hasOwn(jwk, member))) fail('dpop_proof_invalid')
  try {
    const { payload } = await jwtVerify(proof, EmbeddedJWK, {
      algorithms: [...algorithms],
      typ: 'dpop+jwt',
      currentDate: new Date(now()),
    })
    return { payload, jwk: jwk as Record<string, string> }
  } catch (cause) {
    throw new AuthFailure('dpop_proof_invalid', { cause })
  }
}

async function checkNonce(claims: DpopProofClaims, context: DpopProofContext): Promise<void> {
  const source = context.nonce
  if (source === undefined) return
  // A proof without nonce once nonces are issued would bring back pre-generated proofs
  // (nonce downgrade, RFC 9449 §11.3): answer with a fresh nonce to retry with.
  const valid = claims.nonce !== undefined && (await source.check(claims.nonce))
  if (!valid) {
    throw new AuthFailure(
      claims.nonce === undefined ? 'dpop_nonce_missing' : 'dpop_nonce_invalid',
      {
        dpopNonce: await source.issue(),
      },
    )
  }
}

function checkIssuedAt(iat: number, context: DpopProofContext): void {
  const now = context.now() / 1000
  const tolerance = context.clockToleranceSeconds
  // A short window limits what a stolen proof is worth; the replay cache covers the window.
  if (iat > now + tolerance || iat < now - context.proofMaxAgeSeconds - tolerance) {
    fail('dpop_iat_invalid')
  }
}

// S-22: the jti is stored hashed together with the URL it was used for, bounded in size.
async function replayKey(jti: string, htu: string): Promise<string> {
  return `dpop:${await sha256(`${jti} ${htu}`)}`
}

async function sha256(value: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(value))
  return base64url.encode(new Uint8Array(digest))
}
