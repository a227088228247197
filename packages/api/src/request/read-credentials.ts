import { fail } from '../errors/internal/auth-failure.ts'
import type { TokenScheme } from '../errors/www-authenticate.ts'
import { parseRequestUrl, readHeaderList, type RequestLike } from './request-like.ts'

/** The access token and how it was presented. */
export interface PresentedCredentials {
  readonly scheme: TokenScheme
  readonly token: string
}

// RFC 6750 §2.1 b64token / RFC 9110 token68.
const TOKEN68 = /^[A-Za-z0-9\-._~+/]+=*$/

/**
 * Reads the access token from the `Authorization` header, and only from there (S-09).
 * A token in the query string leaks into logs, history and `Referer`; one in a form body is
 * not supported either, so both are refused with `invalid_request` rather than ignored.
 * `Proxy-Authorization` is never read (RFC 9449 §7.1: DPoP must not be used with it).
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-2
 * @see https://www.rfc-editor.org/rfc/rfc9700#section-4.3.2
 */
export function readCredentials(
  request: RequestLike,
  schemes: readonly TokenScheme[],
): PresentedCredentials {
  if (parseRequestUrl(request).searchParams.has('access_token')) fail('token_in_query')
  if (hasOwnAccessToken(request.body)) fail('token_in_body')
  const headers = readHeaderList(request, 'authorization')
  if (headers.length === 0) fail('token_missing')
  // Two Authorization headers (or a comma-joined pair) leave the token ambiguous.
  if (headers.length > 1) fail('authorization_malformed')
  const match = /^(\S+) +(\S+)$/.exec(headers[0] ?? '')
  const scheme = schemes.find((name) => name.toLowerCase() === match?.[1]?.toLowerCase())
  if (match === null) {
    // A lone scheme name such as `Bearer` carries no credentials: challenge, no error.
    if (/^\S+$/.test(headers[0] ?? '')) fail('token_missing')
    fail('authorization_malformed')
  }
  if (scheme === undefined) fail('scheme_unsupported')
  const token = match[2] ?? ''
  if (!TOKEN68.test(token)) fail('authorization_malformed')
  return { scheme, token }
}

function hasOwnAccessToken(body: unknown): boolean {
  if (typeof body !== 'object' || body === null) return false
  return Object.hasOwn(body, 'access_token')
}
