import {
  AUTH_ERROR_CODES,
  AUTH_FAILURE_REASONS,
  type AuthErrorCode,
  type AuthFailureReason,
} from './auth-failures.ts'

/** Options of {@link ApiAuthError}. */
export interface ApiAuthErrorOptions {
  /** The ready `WWW-Authenticate` header value; absent only for `temporarily_unavailable`. */
  wwwAuthenticate?: string
  /** A fresh nonce for the `DPoP-Nonce` response header (`use_dpop_nonce`). */
  dpopNonce?: string
  /** The underlying failure, for logs only. */
  cause?: unknown
}

/**
 * Why an API request was refused: a stable OAuth `code`, the HTTP `status`, the ready
 * `WWW-Authenticate` value and, for `use_dpop_nonce`, the `DPoP-Nonce` to send.
 *
 * The message is the code's generic text: it never carries the token or which check failed
 * (an attacker probing forged tokens learns nothing). `reason` says which check failed, for
 * the server's logs and for tests.
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3
 * @see https://www.rfc-editor.org/rfc/rfc9449#section-7.1
 */
export class ApiAuthError extends Error {
  override readonly name = 'ApiAuthError'
  readonly code: AuthErrorCode
  readonly status: number
  readonly reason: AuthFailureReason
  readonly wwwAuthenticate: string | undefined
  readonly dpopNonce: string | undefined

  constructor(reason: AuthFailureReason, options: ApiAuthErrorOptions = {}) {
    const code = AUTH_FAILURE_REASONS[reason]
    super(AUTH_ERROR_CODES[code].message, { cause: options.cause })
    this.code = code
    this.status = AUTH_ERROR_CODES[code].status
    this.reason = reason
    this.wwwAuthenticate = options.wwwAuthenticate
    this.dpopNonce = options.dpopNonce
  }
}

/** Whether `value` is an {@link ApiAuthError}. */
export function isApiAuthError(value: unknown): value is ApiAuthError {
  return value instanceof ApiAuthError
}
