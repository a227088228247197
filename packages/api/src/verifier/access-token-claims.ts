import { fail } from '../errors/internal/auth-failure.ts'

/**
 * The verified claims of an access token: from a JWT (RFC 9068 §2.2) or from an
 * introspection answer (RFC 7662 §2.2), in the same shape.
 */
export interface AccessTokenClaims {
  readonly iss: string
  readonly sub: string
  readonly aud: string | readonly string[]
  readonly exp: number
  readonly iat?: number
  /** Always present in JWT access tokens; introspection may omit it. */
  readonly jti?: string
  readonly client_id: string
  /** Space-separated scopes. */
  readonly scope?: string
  /** Confirmation: `jkt` is the SHA-256 thumbprint of the DPoP key the token is bound to. */
  readonly cnf?: { readonly jkt?: string; readonly [member: string]: unknown }
  readonly [claim: string]: unknown
}

/**
 * Checks the types of the claims the API relies on, after the signature or introspection
 * vouched for them: a `sub` that is an object, say, would reach permission conditions.
 */
export function checkClaimShapes(claims: Record<string, unknown>): AccessTokenClaims {
  for (const name of ['iss', 'sub', 'client_id'] as const) {
    if (claims[name] === undefined) fail('claim_missing')
    if (typeof claims[name] !== 'string' || claims[name] === '') fail('claim_invalid')
  }
  if (typeof claims.exp !== 'number')
    fail(claims.exp === undefined ? 'claim_missing' : 'claim_invalid')
  if (claims.jti !== undefined && typeof claims.jti !== 'string') fail('claim_invalid')
  if (claims.scope !== undefined && typeof claims.scope !== 'string') fail('claim_invalid')
  const cnf = claims.cnf
  if (cnf !== undefined) {
    if (typeof cnf !== 'object' || cnf === null) fail('claim_invalid')
    const jkt = (cnf as Record<string, unknown>).jkt
    if (jkt !== undefined && typeof jkt !== 'string') fail('claim_invalid')
  }
  return claims as AccessTokenClaims
}

/** The scopes of a token as a list. */
export function scopesOf(claims: AccessTokenClaims): string[] {
  return (claims.scope ?? '').split(' ').filter((scope) => scope !== '')
}

/** Whether `aud` (a string or a list) names `audience`. */
export function hasAudience(aud: unknown, audience: string): boolean {
  return aud === audience || (Array.isArray(aud) && aud.includes(audience))
}
