import type * as client from 'openid-client'
import type { CoatcheckConfig } from '../config/parse-config.ts'
import { CoatcheckError } from '../errors/coatcheck-error.ts'
import { primaryResource } from '../config/primary-resource.ts'
import type { AccessToken, Session, TokenSet } from '../session/session.ts'
import { accessTokenExpiry } from './token-expiry.ts'

/** What the token manager is asked for: an audience and scopes. */
interface Audience {
  resource?: string | undefined
  scopes?: readonly string[] | undefined
  /** A DPoP-bound token: never mixed up with a bearer token of the same audience. */
  dpop?: boolean | undefined
}

type RefreshResponse = client.TokenEndpointResponse & client.TokenEndpointResponseHelpers

/**
 * Key of an audience token in `session.audienceTokens`; `undefined` when the request is
 * served by the login's own access token.
 */
export function audienceKey(request: Audience, config: CoatcheckConfig): string | undefined {
  const primary = primaryResource(config)
  const resource = request.resource ?? primary
  if (resource === primary && request.scopes === undefined && !request.dpop) return undefined
  const scopes = [...(request.scopes ?? [])].sort().join(' ')
  return `${resource ?? ''} ${scopes}${request.dpop ? ' dpop' : ''}`
}

/** The access token the session holds for this audience, fresh or not. */
export function currentToken(
  session: Session,
  request: Audience,
  config: CoatcheckConfig,
): AccessToken | undefined {
  const key = audienceKey(request, config)
  if (key !== undefined) return session.audienceTokens?.[key]
  const { tokens } = session
  return {
    value: tokens.accessToken,
    type: tokens.tokenType,
    ...(tokens.accessTokenExpiresAt === undefined
      ? {}
      : { expiresAt: tokens.accessTokenExpiresAt }),
  }
}

/**
 * The session after a refresh: the rotated refresh token, the new access token where it
 * belongs, and `version + 1`. A new ID token must describe the same login (OIDC Core §12.2,
 * otherwise the refresh is refused and the session ends.
 */
export function applyRefresh(
  current: Session,
  response: RefreshResponse,
  request: Audience,
  config: CoatcheckConfig,
  now: number,
): Session {
  checkRefreshedIdToken(current, response.claims())
  const expiresAt = accessTokenExpiry(response, now)
  const token: AccessToken = {
    value: response.access_token,
    type: response.token_type,
    ...(expiresAt === undefined ? {} : { expiresAt }),
  }
  const key = audienceKey(request, config)
  const rotated: TokenSet = {
    ...current.tokens,
    // An IdP that does not rotate sends no new refresh token: keep the one we have.
    ...(response.refresh_token === undefined ? {} : { refreshToken: response.refresh_token }),
    ...(response.id_token === undefined ? {} : { idToken: response.id_token }),
  }
  const tokens = key === undefined ? withPrimaryToken(rotated, token, response.scope) : rotated
  return {
    ...current,
    tokens,
    ...(key === undefined ? {} : { audienceTokens: { ...current.audienceTokens, [key]: token } }),
    version: current.version + 1,
  }
}

function withPrimaryToken(
  tokens: TokenSet,
  token: AccessToken,
  scope: string | undefined,
): TokenSet {
  const { accessTokenExpiresAt: _previous, ...rest } = tokens
  return {
    ...rest,
    accessToken: token.value,
    tokenType: token.type,
    ...(token.expiresAt === undefined ? {} : { accessTokenExpiresAt: token.expiresAt }),
    ...(scope === undefined ? {} : { scope }),
  }
}

/** OIDC Core §12.2: a refreshed ID token keeps iss, sub, aud, azp and auth_time. */
function checkRefreshedIdToken(current: Session, claims: client.IDToken | undefined) {
  if (!claims) return
  const original = current.claims
  const sameLogin =
    claims.iss === current.issuer &&
    claims.sub === current.sub &&
    (original.auth_time === undefined || claims.auth_time === original.auth_time) &&
    (claims.nonce === undefined || claims.nonce === original.nonce) &&
    (original.azp === undefined || claims.azp === original.azp)
  if (!sameLogin) {
    throw new CoatcheckError('unauthenticated', {
      message: 'The identity provider returned an ID token for another login; log in again.',
    })
  }
}
