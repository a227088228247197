import { createIssuerDiscovery } from '../discovery/discover-issuer.ts'
import { verifyDpopProof } from '../dpop/verify-dpop-proof.ts'
import type { ApiAuthError } from '../errors/api-auth-error.ts'
import { AuthFailure, fail } from '../errors/internal/auth-failure.ts'
import type { TokenScheme } from '../errors/www-authenticate.ts'
import { createIntrospectionCache } from '../introspection/introspection-cache.ts'
import { createJwksCache } from '../jwt/jwks-cache.ts'
import { readCredentials, type PresentedCredentials } from '../request/read-credentials.ts'
import { readHeaderList, type RequestLike } from '../request/request-like.ts'
import { scopesOf, type AccessTokenClaims } from './access-token-claims.ts'
import { refuse } from './internal/refuse.ts'
import { resolveOptions, type ResolvedOptions } from './internal/resolve-options.ts'
import { validateToken, type TokenValidators } from './internal/validate-token.ts'
import type { TokenVerifierOptions } from './token-verifier-options.ts'

/** A verified request: the token's claims and how the token came. */
export interface VerifyResult {
  readonly claims: AccessTokenClaims
  readonly token: { readonly type: 'jwt' | 'opaque'; readonly scheme: TokenScheme }
}

/** Verifies the access token of API requests. Build one per API at start-up. */
export interface TokenVerifier {
  /**
   * Resolves with the caller's claims, or rejects with an `ApiAuthError` (401, 400, 403 or
   * 503) that carries the `WWW-Authenticate` value to answer with.
   */
  verify(request: RequestLike): Promise<VerifyResult>
  /**
   * Builds (and reports) the 403 `insufficient_scope` refusal for a verified caller whose
   * permissions do not allow the request (S-08, S-32).
   */
  forbid(result: VerifyResult, request: RequestLike, scope?: readonly string[]): ApiAuthError
}

/**
 * Creates the verifier of an API: checks its options once (throwing a TypeError on any
 * unsafe value), then for each request reads the token from the `Authorization` header,
 * validates it as an RFC 9068 JWT or by introspection, checks the DPoP binding, and checks
 * the required scopes. The issuer's metadata and keys are fetched on first use.
 * @see https://www.rfc-editor.org/rfc/rfc9068#section-4
 * @see https://www.rfc-editor.org/rfc/rfc9449#section-7
 */
export function createTokenVerifier(options: TokenVerifierOptions): TokenVerifier {
  const config = resolveOptions(options)
  const validators = createValidators(config)

  const verify = async (request: RequestLike, track: { scheme?: TokenScheme }) => {
    const credentials = readCredentials(request, config.schemes)
    track.scheme = credentials.scheme
    const { claims, type } = await validateToken(credentials.token, config, validators)
    await checkSenderConstraint(config, request, credentials, claims)
    checkRequiredScopes(config, claims)
    return { claims, token: { type, scheme: credentials.scheme } }
  }

  return {
    async verify(request) {
      const track: { scheme?: TokenScheme } = {}
      try {
        return await verify(request, track)
      } catch (error) {
        if (!(error instanceof AuthFailure)) throw error
        const scope = error.reason === 'scope_insufficient' ? config.requiredScopes : undefined
        throw refuse(config, error, { request, scheme: track.scheme, scope })
      }
    },
    forbid(result, request, scope) {
      return refuse(
        config,
        { reason: 'permission_denied', dpopNonce: undefined, cause: undefined },
        { request, scheme: result.token.scheme, claims: result.claims, scope },
      )
    },
  }
}

function createValidators(config: ResolvedOptions): TokenValidators {
  const discover = createIssuerDiscovery(config)
  const discovered = async (name: 'jwks_uri' | 'introspection_endpoint'): Promise<string> => {
    const value = (await discover())[name]
    if (value === undefined) {
      throw new AuthFailure('idp_unavailable', { cause: new Error(`no ${name} in discovery`) })
    }
    return value
  }
  const { jwksUri, introspection } = config
  const getKey = createJwksCache({
    ...config,
    jwksUri: async () => jwksUri ?? discovered('jwks_uri'),
    cooldownMs: config.jwksCooldownMs,
    maxAgeMs: config.jwksMaxAgeMs,
  })
  if (introspection === undefined) return { getKey, introspection: undefined }
  const endpoint = introspection.endpoint
  return {
    getKey,
    introspection: {
      context: {
        ...config,
        client: introspection,
        endpoint: async () => (endpoint !== '' ? endpoint : discovered('introspection_endpoint')),
      },
      cache: createIntrospectionCache({
        ttlSeconds: introspection.cacheTtlSeconds,
        maxEntries: introspection.cacheMaxEntries,
        now: config.now,
      }),
    },
  }
}

// S-13, S-20, S-21: a bound token needs its proof; an unbound token cannot borrow DPoP.
async function checkSenderConstraint(
  config: ResolvedOptions,
  request: RequestLike,
  credentials: PresentedCredentials,
  claims: AccessTokenClaims,
): Promise<void> {
  const jkt = claims.cnf?.jkt
  // A token bound some other way (mTLS `x5t#S256`, RFC 8705) cannot be checked here;
  // accepting it would make its binding worthless, so it is refused (fail closed).
  if (Object.keys(claims.cnf ?? {}).some((method) => method !== 'jkt')) fail('binding_unsupported')
  if (credentials.scheme === 'Bearer') {
    // Downgrade (RFC 9449 §7.2): a stolen DPoP-bound token must not work without its key.
    if (jkt !== undefined) fail('bound_token_as_bearer')
    return
  }
  const dpop = config.dpop
  if (dpop === undefined) return fail('scheme_unsupported')
  if (jkt === undefined) fail('token_not_bound')
  await verifyDpopProof({
    ...dpop,
    proofs: readHeaderList(request, 'dpop'),
    method: request.method,
    publicUrl: config.publicUrlOf(request),
    accessToken: credentials.token,
    jkt,
    clockToleranceSeconds: config.clockToleranceSeconds,
    now: config.now,
  })
}

function checkRequiredScopes(config: ResolvedOptions, claims: AccessTokenClaims): void {
  const granted = new Set(scopesOf(claims))
  if (config.requiredScopes.some((scope) => !granted.has(scope))) fail('scope_insufficient')
}
