import type { ApiAuthError } from './api-auth-error.ts'

/** The parts of an error response, for frameworks that write them one by one. */
export interface AuthErrorResponseParts {
  readonly status: number
  readonly headers: Readonly<Record<string, string>>
  readonly body: { readonly error: string; readonly message: string }
}

/**
 * What to answer an {@link ApiAuthError} with: its status, `WWW-Authenticate`, `DPoP-Nonce`
 * when one was issued, `Cache-Control: no-store`, and `{ error, message }` as JSON.
 * `Access-Control-Expose-Headers` lets a browser client read the challenge and the nonce
 * (S-23); the app's CORS middleware still decides which origins may call at all.
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3
 * @see https://www.rfc-editor.org/rfc/rfc9449#section-9
 */
export function describeAuthError(error: ApiAuthError): AuthErrorResponseParts {
  const headers: Record<string, string> = {
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
  }
  if (error.wwwAuthenticate !== undefined) headers['www-authenticate'] = error.wwwAuthenticate
  if (error.dpopNonce !== undefined) headers['dpop-nonce'] = error.dpopNonce
  if (error.wwwAuthenticate !== undefined || error.dpopNonce !== undefined) {
    headers['access-control-expose-headers'] = 'WWW-Authenticate, DPoP-Nonce'
  }
  return { status: error.status, headers, body: { error: error.code, message: error.message } }
}

/** The Web `Response` for an {@link ApiAuthError}; see {@link describeAuthError}. */
export function authErrorResponse(error: ApiAuthError): Response {
  const { status, headers, body } = describeAuthError(error)
  return new Response(JSON.stringify(body), { status, headers })
}
