/** Stable codes of {@link DevIdpError}; assert on these, not on messages. */
export type DevIdpErrorCode =
  /** `NODE_ENV=production` without `allowProduction` (D-27). */
  | 'refused_in_production'
  /** `signIn` submitted credentials and the login page came back. */
  | 'credentials_refused'
  /** `signIn`/`signOut` met a page or status they do not know how to continue from. */
  | 'unexpected_response'
  /** `signIn`/`signOut` followed more redirects than any sane flow needs. */
  | 'too_many_redirects'

/**
 * An error of the dev IdP or its HTTP test drivers, with a stable `code`.
 * Messages never contain passwords, cookies or tokens.
 */
export class DevIdpError extends Error {
  override readonly name = 'DevIdpError'
  readonly code: DevIdpErrorCode

  constructor(code: DevIdpErrorCode, message: string, options?: ErrorOptions) {
    super(message, options)
    this.code = code
  }
}
