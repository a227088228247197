import type { AuthErrorCode } from './auth-failures.ts'

/** An HTTP authentication scheme this package accepts for access tokens. */
export type TokenScheme = 'Bearer' | 'DPoP'

/** What a challenge says. */
export interface ChallengeOptions {
  /** Schemes to challenge with; the error attributes go on `errorScheme`. */
  schemes: readonly TokenScheme[]
  /** Protection space shown to clients (RFC 7235 §2.2); omitted when undefined. */
  realm?: string | undefined
  /** Algorithms accepted for DPoP proofs, listed in the DPoP challenge's `algs`. */
  dpopAlgorithms: readonly string[]
  /** The error code; `missing_token` and `undefined` put no `error` attribute. */
  error?: AuthErrorCode | undefined
  /** Which scheme the error concerns; defaults to the first of `schemes`. */
  errorScheme?: TokenScheme | undefined
  /** Scopes that would allow the request, for `insufficient_scope`. */
  scope?: readonly string[] | undefined
}

/**
 * Builds a `WWW-Authenticate` value: one challenge per accepted scheme, the error on the
 * scheme the request used. A request without credentials gets no `error` attribute.
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3
 * @see https://www.rfc-editor.org/rfc/rfc9449#section-7.1
 */
export function buildChallenge(options: ChallengeOptions): string {
  const errorScheme = options.errorScheme ?? options.schemes[0] ?? 'Bearer'
  const schemes = options.schemes.includes(errorScheme)
    ? options.schemes
    : [errorScheme, ...options.schemes]
  return schemes
    .map((scheme) => {
      const attributes: [string, string][] = []
      if (options.realm !== undefined) attributes.push(['realm', options.realm])
      const error = scheme === errorScheme ? options.error : undefined
      if (error !== undefined && error !== 'missing_token' && error !== 'temporarily_unavailable')
        attributes.push(['error', error])
      if (error === 'insufficient_scope' && options.scope !== undefined && options.scope.length > 0)
        attributes.push(['scope', options.scope.join(' ')])
      if (scheme === 'DPoP' && options.dpopAlgorithms.length > 0) {
        attributes.push(['algs', options.dpopAlgorithms.join(' ')])
      }
      const rendered = attributes.map(([name, value]) => `${name}=${quote(value)}`).join(', ')
      return rendered === '' ? scheme : `${scheme} ${rendered}`
    })
    .join(', ')
}

// RFC 9110 §5.6.4 quoted-string: a realm containing `"` must not end the value early, or a
// configured realm could inject attributes of its own.
function quote(value: string): string {
  return `"${value.replace(/[\\"]/g, (char) => `\\${char}`)}"`
}
