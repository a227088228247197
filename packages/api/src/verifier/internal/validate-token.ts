import type { JWTVerifyGetKey } from 'jose'
import { fail } from '../../errors/internal/auth-failure.ts'
import type { IntrospectionCache } from '../../introspection/introspection-cache.ts'
import { introspectToken, type IntrospectionContext } from '../../introspection/introspect-token.ts'
import { verifyJwtAccessToken } from '../../jwt/verify-jwt-access-token.ts'
import type { AccessTokenClaims } from '../access-token-claims.ts'
import type { ResolvedOptions } from './resolve-options.ts'

/** The verified claims of a token and how they were obtained. */
export interface ValidatedToken {
  readonly claims: AccessTokenClaims
  readonly type: 'jwt' | 'opaque'
}

/** The parts token validation needs, built once per verifier. */
export interface TokenValidators {
  readonly getKey: JWTVerifyGetKey
  readonly introspection:
    { readonly context: IntrospectionContext; readonly cache: IntrospectionCache } | undefined
}

/**
 * Validates a token locally when it is a JWS (three segments), otherwise by introspection
 * when configured; an opaque token without introspection is refused.
 */
export async function validateToken(
  token: string,
  config: ResolvedOptions,
  validators: TokenValidators,
): Promise<ValidatedToken> {
  if (token.split('.').length === 3) {
    const claims = await verifyJwtAccessToken(token, { ...config, getKey: validators.getKey })
    return { claims, type: 'jwt' }
  }
  const introspection = validators.introspection
  if (introspection === undefined) fail('opaque_token_unsupported')
  const cached = await introspection.cache.get(token)
  if (cached !== undefined) return { claims: cached, type: 'opaque' }
  const claims = await introspectToken(token, introspection.context)
  await introspection.cache.set(token, claims)
  return { claims, type: 'opaque' }
}
