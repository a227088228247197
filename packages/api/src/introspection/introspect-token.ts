import { fetchJson, type ServerCallOptions } from '../discovery/fetch-json.ts'
import { fail } from '../errors/internal/auth-failure.ts'
import type { IntrospectionOptions } from '../verifier/token-verifier-options.ts'
import {
  checkClaimShapes,
  hasAudience,
  type AccessTokenClaims,
} from '../verifier/access-token-claims.ts'

/** What introspection needs. */
export interface IntrospectionContext extends ServerCallOptions {
  readonly issuer: string
  readonly audience: string
  readonly clockToleranceSeconds: number
  readonly now: () => number
  readonly client: Readonly<Required<IntrospectionOptions>>
  /** The configured or discovered introspection endpoint. */
  readonly endpoint: () => Promise<string>
}

/**
 * Asks the authorization server about an opaque token (RFC 7662), authenticating as the API
 * (S-10), and checks the answer as strictly as a JWT: `active: true` (S-11), the issuer,
 * this API in `aud`, `exp`/`nbf`, `client_id` and `sub`. A refresh token or a token for
 * another API can be "active" too; only these checks keep it out.
 * @see https://www.rfc-editor.org/rfc/rfc7662#section-2
 */
export async function introspectToken(
  token: string,
  context: IntrospectionContext,
): Promise<AccessTokenClaims> {
  const answer = await fetchJson(context, await context.endpoint(), {
    method: 'POST',
    headers: requestHeaders(context),
    body: requestBody(token, context),
  })
  if (answer.active !== true) fail('token_inactive')
  const iss = answer.iss ?? context.issuer
  if (iss !== context.issuer) fail('issuer_mismatch')
  if (!hasAudience(answer.aud, context.audience)) fail('audience_mismatch')
  const claims = checkClaimShapes({ ...answer, iss })
  const now = context.now() / 1000
  if (claims.exp <= now - context.clockToleranceSeconds) fail('expired')
  if (typeof answer.nbf === 'number' && answer.nbf > now + context.clockToleranceSeconds) {
    fail('not_yet_valid')
  }
  // RFC 7662 §2.2 token_type: a refresh token or ID token answered as "active" is not an
  // access token, whatever else it says.
  if (answer.token_type !== undefined && !/^(bearer|dpop)$/i.test(String(answer.token_type))) {
    fail('claim_invalid')
  }
  return claims
}

function requestHeaders(context: IntrospectionContext): Record<string, string> {
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' }
  const { authMethod, clientId, clientSecret } = context.client
  if (authMethod === 'client_secret_basic') {
    // RFC 6749 §2.3.1: form-encode id and secret before base64, or a `:` in them breaks.
    const pair = `${formEncode(clientId)}:${formEncode(clientSecret)}`
    headers.authorization = `Basic ${btoa(pair)}`
  }
  return headers
}

function requestBody(token: string, context: IntrospectionContext): URLSearchParams {
  const body = new URLSearchParams({ token, token_type_hint: 'access_token' })
  if (context.client.authMethod === 'client_secret_post') {
    body.set('client_id', context.client.clientId)
    body.set('client_secret', context.client.clientSecret)
  }
  return body
}

function formEncode(value: string): string {
  return new URLSearchParams({ v: value }).toString().slice(2)
}
