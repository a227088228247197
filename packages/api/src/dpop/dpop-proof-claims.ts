import { fail } from '../errors/internal/auth-failure.ts'

/** The claims of a DPoP proof the API checks. */
export interface DpopProofClaims {
  readonly jti: string
  readonly htm: string
  readonly htu: string
  readonly iat: number
  readonly ath: string
  readonly nonce?: string
}

// A jti is a random identifier; bounding its length keeps the replay store small.
const MAX_JTI_LENGTH = 256

/** Checks that a proof has every claim the resource server needs, with the right types. */
export function readProofClaims(payload: Record<string, unknown>): DpopProofClaims {
  const { jti, htm, htu, iat, ath, nonce } = payload
  const strings = [jti, htm, htu, ath]
  if (strings.some((value) => typeof value !== 'string' || value === '')) fail('dpop_proof_invalid')
  if (typeof iat !== 'number' || !Number.isFinite(iat)) fail('dpop_proof_invalid')
  if ((jti as string).length > MAX_JTI_LENGTH) fail('dpop_proof_invalid')
  if (nonce !== undefined && typeof nonce !== 'string') fail('dpop_proof_invalid')
  return payload as unknown as DpopProofClaims
}
