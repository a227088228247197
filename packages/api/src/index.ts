/**
 * `@coatcheck/api`: the resource-server kit. Verifies access tokens (RFC 9068 JWTs, RFC 7662
 * introspection, RFC 9449 DPoP) framework-free, answers refusals per RFC 6750, and enforces
 * permissions from one CASL policy. Adapters: `@coatcheck/api/node`, `/express`,
 * `/fastify`, `/hono`.
 * @module
 */
export {
  createTokenVerifier,
  type TokenVerifier,
  type VerifyResult,
} from './verifier/create-token-verifier.ts'
export { verifyAccessToken } from './verifier/verify-access-token.ts'
export type {
  AuthFailureEvent,
  DpopOptions,
  IntrospectionOptions,
  TokenVerifierOptions,
} from './verifier/token-verifier-options.ts'
export type { AccessTokenClaims } from './verifier/access-token-claims.ts'
export type { RequestLike } from './request/request-like.ts'

export { ApiAuthError, isApiAuthError, type ApiAuthErrorOptions } from './errors/api-auth-error.ts'
export {
  AUTH_ERROR_CODES,
  AUTH_FAILURE_REASONS,
  type AuthErrorCode,
  type AuthFailureReason,
} from './errors/auth-failures.ts'
export {
  authErrorResponse,
  describeAuthError,
  type AuthErrorResponseParts,
} from './errors/auth-error-response.ts'
export type { TokenScheme } from './errors/www-authenticate.ts'

export {
  createMemoryReplayCache,
  type MemoryReplayCacheOptions,
  type ReplayCache,
} from './dpop/replay-cache.ts'
export {
  createRotatingDpopNonce,
  type DpopNonceSource,
  type RotatingDpopNonceOptions,
} from './dpop/dpop-nonce.ts'

export {
  definePermissions,
  type PackedRules,
  type Permissions,
} from './permissions/define-permissions.ts'
export type {
  PermissionPolicy,
  PermissionRule,
  PolicyData,
  PolicyFunction,
} from './permissions/permission-policy.ts'
export { callerFromClaims, type Caller } from './permissions/caller.ts'
export { pickPermittedFields } from './permissions/pick-permitted-fields.ts'
export { subject } from '@casl/ability'
export type { AuthContext, AuthOptions } from './adapters/internal/auth-context.ts'
