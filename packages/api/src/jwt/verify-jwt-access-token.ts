import { decodeProtectedHeader, errors, jwtVerify, type JWTVerifyGetKey } from 'jose'
import { AuthFailure, fail } from '../errors/internal/auth-failure.ts'
import type { AuthFailureReason } from '../errors/auth-failures.ts'
import { checkClaimShapes, type AccessTokenClaims } from '../verifier/access-token-claims.ts'

/** What JWT access token verification needs. */
export interface JwtCheckOptions {
  readonly issuer: string
  readonly audience: string
  readonly algorithms: readonly string[]
  readonly clockToleranceSeconds: number
  readonly now: () => number
  readonly getKey: JWTVerifyGetKey
}

// RFC 9068 §2.2: claims every JWT access token carries (S-06).
const REQUIRED_CLAIMS = ['iss', 'exp', 'aud', 'sub', 'client_id', 'iat', 'jti']
// RFC 9068 §2.1: media types are case-insensitive; `application/` may be omitted.
const ACCESS_TOKEN_TYP = /^(application\/)?at\+jwt$/i

/**
 * Verifies an RFC 9068 JWT access token: header `typ` first (S-01), the API's algorithm
 * allowlist (S-04), the signature with the issuer's keys (S-07), then `iss` (S-02), `aud`
 * (S-03), `exp`/`nbf` with leeway (S-05) and the required claims (S-06).
 * @see https://www.rfc-editor.org/rfc/rfc9068#section-4
 */
export async function verifyJwtAccessToken(
  token: string,
  options: JwtCheckOptions,
): Promise<AccessTokenClaims> {
  const header = readHeader(token)
  // An ID token or any other JWT signed by the same IdP has a valid signature too; only
  // `typ` tells an access token apart (cross-JWT confusion, RFC 8725 §3.11).
  if (typeof header.typ !== 'string' || !ACCESS_TOKEN_TYP.test(header.typ)) fail('typ_invalid')
  // The token's own `alg` is never trusted: `none`, or HS256 keyed with the public key,
  // would let anyone mint tokens (RFC 8725 §2.1).
  if (typeof header.alg !== 'string' || !options.algorithms.includes(header.alg)) {
    fail('alg_not_allowed')
  }
  try {
    const { payload } = await jwtVerify(token, options.getKey, {
      issuer: options.issuer,
      audience: options.audience,
      algorithms: [...options.algorithms],
      clockTolerance: options.clockToleranceSeconds,
      currentDate: new Date(options.now()),
      requiredClaims: REQUIRED_CLAIMS,
    })
    return checkClaimShapes(payload)
  } catch (error) {
    if (error instanceof AuthFailure) throw error
    throw new AuthFailure(reasonOf(error), { cause: error })
  }
}

function readHeader(token: string): Record<string, unknown> {
  try {
    return decodeProtectedHeader(token)
  } catch (cause) {
    throw new AuthFailure('token_malformed', { cause })
  }
}

function reasonOf(error: unknown): AuthFailureReason {
  if (error instanceof errors.JWTExpired) return 'expired'
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.reason === 'missing') return 'claim_missing'
    if (error.claim === 'iss') return 'issuer_mismatch'
    if (error.claim === 'aud') return 'audience_mismatch'
    if (error.claim === 'nbf') return 'not_yet_valid'
    return 'claim_invalid'
  }
  if (error instanceof errors.JOSEAlgNotAllowed) return 'alg_not_allowed'
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'signature_invalid'
  if (
    error instanceof errors.JWKSNoMatchingKey ||
    error instanceof errors.JWKSMultipleMatchingKeys ||
    error instanceof errors.JOSENotSupported
  ) {
    return 'key_not_found'
  }
  return 'token_malformed'
}
