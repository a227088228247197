/**
 * The one runtime error of Coatcheck: a stable string `code`, an HTTP `status`, and whether
 * its message may be shown to the caller.
 *
 * Misuse and bad configuration throw at start-up instead (`TypeError`, `ConfigError`).
 * Messages never carry a token, cookie value, authorization code or secret: they are
 * written for the person who has to fix the problem, from facts that are safe to show.
 */

/** Every runtime error code, with its HTTP status and the default message shown to callers. */
export const ERROR_CODES = {
  bad_request: { status: 400, message: 'The request is malformed.' },
  not_found: { status: 404, message: 'No such endpoint.' },
  method_not_allowed: { status: 405, message: 'This method is not allowed here.' },
  csrf_header_missing: {
    status: 403,
    message: 'The anti-CSRF request header is missing or wrong; send it on every request.',
  },
  origin_not_allowed: {
    status: 403,
    message: 'The request comes from an origin that is not allowed.',
  },
  unauthenticated: { status: 401, message: 'No valid session; log in again.' },
  login_requires_navigation: {
    status: 400,
    message: 'Login is a top-level navigation; open the login URL instead of fetching it.',
  },
  login_parameter_not_allowed: {
    status: 400,
    message: 'The login request carries a parameter or value that is not allowed.',
  },
  invalid_return_to: {
    status: 400,
    message: 'returnTo must be a path or a URL on an allowed application origin.',
  },
  login_state_invalid: {
    status: 400,
    message: 'This login was not started in this browser, has expired, or was already used.',
  },
  login_failed: {
    status: 400,
    message: 'The identity provider response failed validation; start the login again.',
  },
  login_cancelled: {
    status: 400,
    message: 'The identity provider ended the login without signing in.',
  },
  logout_state_invalid: {
    status: 400,
    message: 'This logout was not started in this browser, has expired, or was already used.',
  },
  idp_unavailable: { status: 502, message: 'The identity provider cannot be reached.' },
  upstream_unavailable: { status: 502, message: 'The upstream API cannot be reached.' },
  upstream_timeout: { status: 504, message: 'The upstream API did not answer in time.' },
  store_unavailable: { status: 503, message: 'The session store is unavailable; try again.' },
  internal_error: { status: 500, message: 'Something went wrong inside Coatcheck.' },
} as const satisfies Record<string, { status: number; message: string }>

/** A stable error code; clients may switch on it. Listed in `docs/errors.md`. */
export type ErrorCode = keyof typeof ERROR_CODES

/** Options of {@link CoatcheckError}. */
export interface CoatcheckErrorOptions {
  /** A more specific message, safe to show; never a token, cookie or secret. */
  message?: string
  /** Whether the message may be shown to the caller; defaults to true below status 500. */
  expose?: boolean
  /** The underlying failure, for logs only. */
  cause?: unknown
}

/** A runtime or protocol failure with a stable `code`, an HTTP `status` and `expose`. */
export class CoatcheckError extends Error {
  override readonly name = 'CoatcheckError'
  readonly code: ErrorCode
  readonly status: number
  readonly expose: boolean

  constructor(code: ErrorCode, options: CoatcheckErrorOptions = {}) {
    const entry = ERROR_CODES[code]
    super(options.message ?? entry.message, { cause: options.cause })
    this.code = code
    this.status = entry.status
    this.expose = options.expose ?? entry.status < 500
  }
}

/** Whether `value` is a {@link CoatcheckError}. */
export function isCoatcheckError(value: unknown): value is CoatcheckError {
  return value instanceof CoatcheckError
}
