import { createMongoAbility, type MongoAbility, type Subject } from '@casl/ability'
import { callerFromClaims, type Caller } from '../../permissions/caller.ts'
import type { Permissions } from '../../permissions/define-permissions.ts'
import type { RequestLike } from '../../request/request-like.ts'
import type { TokenVerifier, VerifyResult } from '../../verifier/create-token-verifier.ts'

/** What every adapter is built from. */
export interface AuthOptions {
  /** From `createTokenVerifier`. */
  readonly verifier: TokenVerifier
  /** From `definePermissions`; without it every permission check is refused. */
  readonly permissions?: Permissions
}

/** A verified caller, as handlers see it (`req.auth`, `request.auth`, `c.get('auth')`). */
export interface AuthContext extends VerifyResult {
  readonly caller: Caller
  /** The caller's CASL ability; deny-all without `permissions`. */
  readonly ability: MongoAbility
  /**
   * Throws the 403 `ApiAuthError` unless the ability allows `action` on `subject` (a type
   * name, or a record tagged with `subject('Article', record)` for its conditions, S-31).
   */
  assertCan(action: string, subject: Subject, field?: string): void
}

/** Verifies the request and builds its {@link AuthContext}; rejects with an ApiAuthError. */
export async function authenticate(
  request: RequestLike,
  options: AuthOptions,
): Promise<AuthContext> {
  const result = await options.verifier.verify(request)
  const ability = options.permissions?.abilityFor(result.claims) ?? createMongoAbility()
  return Object.freeze({
    ...result,
    caller: callerFromClaims(result.claims),
    ability,
    assertCan(action: string, subject: Subject, field?: string) {
      // Deny by default (S-30): no rule allowing it means refused.
      if (!ability.can(action, subject, field)) throw options.verifier.forbid(result, request)
    },
  })
}

/**
 * Returns `authenticate` for one adapter instance that reuses the context it already built
 * for this request (`requireAuth` then `authorize`), and only that one: a `req.auth` set by
 * another middleware, or by the adapter of another API with another audience, is never
 * taken as verified.
 */
export function createAuthenticator(options: AuthOptions) {
  const ours = new WeakSet<AuthContext>()
  return async (request: RequestLike, current: unknown): Promise<AuthContext> => {
    if (typeof current === 'object' && current !== null && ours.has(current as AuthContext)) {
      return current as AuthContext
    }
    const auth = await authenticate(request, options)
    ours.add(auth)
    return auth
  }
}

/** Throws at start-up when `authorize` is used without permissions to decide with. */
export function requirePermissions(options: AuthOptions, what: string): Permissions {
  if (options.permissions === undefined) {
    throw new TypeError(
      `${what} needs \`permissions\` (from definePermissions) in the adapter options`,
    )
  }
  return options.permissions
}
