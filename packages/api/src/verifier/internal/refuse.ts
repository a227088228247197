import { ApiAuthError } from '../../errors/api-auth-error.ts'
import { AUTH_FAILURE_REASONS, type AuthFailureReason } from '../../errors/auth-failures.ts'
import type { AuthFailure } from '../../errors/internal/auth-failure.ts'
import { buildChallenge, type TokenScheme } from '../../errors/www-authenticate.ts'
import { parseRequestUrl, type RequestLike } from '../../request/request-like.ts'
import type { AccessTokenClaims } from '../access-token-claims.ts'
import type { ResolvedOptions } from './resolve-options.ts'

/** How a refusal came about. */
export interface RefusalContext {
  readonly request: RequestLike
  /** The scheme the request used, when it got that far. */
  readonly scheme: TokenScheme | undefined
  /** The verified claims, for a 403. */
  readonly claims?: AccessTokenClaims
  /** Scopes that would allow the request (403). */
  readonly scope?: readonly string[] | undefined
}

/**
 * Turns a failed check into the {@link ApiAuthError} to answer with, and reports it (S-32).
 * A request without credentials is challenged with every accepted scheme and no error; any
 * other refusal names the error on the scheme the request used.
 */
export function refuse(
  config: ResolvedOptions,
  failure: Pick<AuthFailure, 'reason' | 'dpopNonce' | 'cause'>,
  context: RefusalContext,
): ApiAuthError {
  const error = new ApiAuthError(failure.reason, {
    cause: failure.cause,
    ...challengeOf(config, failure.reason, context),
    ...(failure.dpopNonce === undefined ? {} : { dpopNonce: failure.dpopNonce }),
  })
  report(config, error, context)
  return error
}

function challengeOf(
  config: ResolvedOptions,
  reason: AuthFailureReason,
  context: RefusalContext,
): { wwwAuthenticate?: string } {
  const code = AUTH_FAILURE_REASONS[reason]
  if (code === 'temporarily_unavailable') return {}
  // A DPoP-bound token sent as Bearer: tell the client which scheme would have worked.
  const errorScheme =
    reason === 'bound_token_as_bearer' && config.dpop !== undefined ? 'DPoP' : context.scheme
  const schemes =
    code === 'missing_token' || errorScheme === undefined ? config.schemes : [errorScheme]
  return {
    wwwAuthenticate: buildChallenge({
      schemes,
      realm: config.realm,
      dpopAlgorithms: config.dpop?.algorithms ?? [],
      error: code,
      errorScheme,
      scope: context.scope,
    }),
  }
}

function report(config: ResolvedOptions, error: ApiAuthError, context: RefusalContext): void {
  try {
    config.onFailure({
      reason: error.reason,
      code: error.code,
      status: error.status,
      method: context.request.method,
      path: parseRequestUrl(context.request).pathname,
      ...(context.claims === undefined
        ? {}
        : { sub: context.claims.sub, clientId: context.claims.client_id }),
    })
  } catch {
    // A failing log hook must not turn a refusal into an acceptance or a crash.
  }
}
