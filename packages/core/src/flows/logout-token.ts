import { createRemoteJWKSet, errors, jwtVerify, type JWTPayload } from 'jose'
import { CoatcheckError } from '../errors/coatcheck-error.ts'
import type { IdentityProvider } from '../oidc/identity-provider.ts'

/** The `events` member that makes a JWT a logout token (O-12 step 6). */
const BACKCHANNEL_LOGOUT_EVENT = 'http://schemas.openid.net/event/backchannel-logout'

/**
 * Asymmetric algorithms only, chosen here and never taken from the token: `none` and HMAC
 * with a public key as the secret are the classic JWT forgeries (O-12 step 3).
 */
const ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'Ed25519',
]

/** Clock skew tolerated on `iat` and `exp`. */
const SKEW_SECONDS = 60

/** A logout token older than this is refused whatever its `exp` says (oidc-provider uses 120 s). */
const MAX_AGE_SECONDS = 600

/** What a valid logout token says: which sessions to end, and its replay-cache entry. */
export interface LogoutTokenClaims {
  readonly issuer: string
  readonly sub?: string
  readonly sid?: string
  readonly jti: string
  /** Epoch seconds. */
  readonly exp: number
}

/** Why a logout token was refused: a stable label for metrics, never token content. */
export type LogoutTokenFault =
  'malformed' | 'signature' | 'claims' | 'not_logout_token' | 'replayed'

/** A refused logout token: the endpoint answers 400 (O-17). */
export class LogoutTokenError extends Error {
  override readonly name = 'LogoutTokenError'
  readonly fault: LogoutTokenFault
  constructor(fault: LogoutTokenFault, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.fault = fault
  }
}

/** Verifies logout tokens of the configured identity provider. */
export type LogoutTokenVerifier = (token: string) => Promise<LogoutTokenClaims>

/**
 * Creates the verifier of OIDC Back-Channel Logout tokens: signature with the IdP's JWKS
 * (fetched once, refetched on an unknown `kid` with a cooldown), `iss`, `aud` = our client
 * id, `iat` and `exp` with a small skew, then the checks that keep any other JWT of the IdP,
 * an ID token above all, from passing as a logout token: `typ`, `events`, no `nonce`,
 * `sub` or `sid`, and `jti` (O-12, O-13, O-15). The replay check is the caller's.
 *
 * @see https://openid.net/specs/openid-connect-backchannel-1_0.html#Validation
 */
export function createLogoutTokenVerifier(options: {
  idp: IdentityProvider
  clientId: string
  now: () => number
}): LogoutTokenVerifier {
  let keys: { uri: string; set: ReturnType<typeof createRemoteJWKSet> } | undefined

  async function keySet() {
    const metadata = (await options.idp.configuration()).serverMetadata()
    if (!metadata.jwks_uri) {
      throw new CoatcheckError('idp_unavailable', {
        message: 'The identity provider publishes no jwks_uri to verify logout tokens with.',
        expose: false,
      })
    }
    if (keys?.uri !== metadata.jwks_uri) {
      keys = { uri: metadata.jwks_uri, set: createRemoteJWKSet(new URL(metadata.jwks_uri)) }
    }
    return { issuer: metadata.issuer, set: keys.set }
  }

  return async (token) => {
    const { issuer, set } = await keySet()
    let payload: JWTPayload
    let typ: string | undefined
    try {
      const verified = await jwtVerify(token, set, {
        issuer,
        audience: options.clientId,
        algorithms: ALGORITHMS,
        clockTolerance: SKEW_SECONDS,
        maxTokenAge: MAX_AGE_SECONDS,
        requiredClaims: ['iat', 'exp', 'jti'],
        currentDate: new Date(options.now()),
      })
      payload = verified.payload
      typ = verified.protectedHeader.typ
    } catch (cause) {
      throw toVerificationError(cause)
    }
    return checkLogoutClaims(payload, typ, issuer)
  }
}

function toVerificationError(cause: unknown): Error {
  if (cause instanceof errors.JWKSTimeout || cause instanceof errors.JWKSInvalid) {
    return new CoatcheckError('idp_unavailable', {
      message: 'The identity provider keys could not be loaded.',
      cause,
    })
  }
  if (cause instanceof errors.JWTClaimValidationFailed || cause instanceof errors.JWTExpired) {
    return new LogoutTokenError('claims', 'The logout token claims are invalid.', { cause })
  }
  if (cause instanceof errors.JOSEError) {
    return new LogoutTokenError('signature', 'The logout token signature is invalid.', { cause })
  }
  // A fetch failure of the JWKS: not the token's fault.
  return new CoatcheckError('idp_unavailable', {
    message: 'The identity provider keys could not be loaded.',
    cause,
  })
}

function checkLogoutClaims(
  payload: JWTPayload,
  typ: string | undefined,
  issuer: string,
): LogoutTokenClaims {
  // Explicit typing, when present, must say logout token: an access token or ID token of
  // the same IdP is signed with the same keys (cross-JWT confusion, O-15).
  if (typ !== undefined && !/^(application\/)?logout\+jwt$/i.test(typ)) {
    throw new LogoutTokenError('not_logout_token', 'The token is not typed as a logout token.')
  }
  const events = payload['events']
  if (
    typeof events !== 'object' ||
    events === null ||
    Array.isArray(events) ||
    typeof (events as Record<string, unknown>)[BACKCHANNEL_LOGOUT_EVENT] !== 'object'
  ) {
    throw new LogoutTokenError('not_logout_token', 'The token has no back-channel logout event.')
  }
  // An ID token carries a nonce; a logout token never does (O-12 step 7).
  if ('nonce' in payload) {
    throw new LogoutTokenError('not_logout_token', 'A logout token must not contain a nonce.')
  }
  const { sub, jti, exp } = payload
  const sid = payload['sid']
  if (sub !== undefined && (typeof sub !== 'string' || sub === '')) {
    throw new LogoutTokenError('claims', 'The logout token sub is invalid.')
  }
  if (sid !== undefined && (typeof sid !== 'string' || sid === '')) {
    throw new LogoutTokenError('claims', 'The logout token sid is invalid.')
  }
  if (sub === undefined && sid === undefined) {
    throw new LogoutTokenError('claims', 'A logout token names a sub, a sid or both.')
  }
  if (typeof jti !== 'string' || jti === '' || jti.length > 256 || typeof exp !== 'number') {
    throw new LogoutTokenError('claims', 'The logout token jti or exp is invalid.')
  }
  return {
    issuer,
    jti,
    exp,
    ...(sub === undefined ? {} : { sub }),
    ...(sid === undefined ? {} : { sid }),
  }
}
