import type { AccessTokenClaims } from '../verifier/access-token-claims.ts'
import { scopesOf } from '../verifier/access-token-claims.ts'

/** Who is calling, as a policy sees it: taken from verified token claims only (S-30). */
export interface Caller {
  readonly sub: string
  /** The `roles` claim (RFC 9068 §2.2.3.1); empty when absent. */
  readonly roles: readonly string[]
  /** The token's scopes. */
  readonly scope: readonly string[]
  /** Every verified claim, for attribute-based rules (tenant, groups, entitlements). */
  readonly claims: AccessTokenClaims
}

/** Builds the {@link Caller} of verified claims. */
export function callerFromClaims(claims: AccessTokenClaims): Caller {
  return Object.freeze({
    sub: claims.sub,
    roles: Object.freeze(readRoles(claims.roles)),
    scope: Object.freeze(scopesOf(claims)),
    claims,
  })
}

// A role claim of an unexpected shape grants nothing (deny by default).
function readRoles(value: unknown): string[] {
  if (typeof value === 'string') return value.split(' ').filter((role) => role !== '')
  if (!Array.isArray(value)) return []
  return value.filter((role): role is string => typeof role === 'string')
}
