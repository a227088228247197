/**
 * CSRF defences for Coatcheck's own endpoints: a static request header plus an origin check
 * for everything the SPA calls, and a Fetch Metadata check for the login navigation.
 *
 * Rules enforced:
 * - every SPA-facing request, GET included, carries the static anti-CSRF header.
 * - simple (form, `text/plain`, body-less) cross-origin requests cannot carry that
 *   header without a CORS preflight, so they fail the header check.
 * - the request's origin is Coatcheck's own or allowlisted, decided from `Origin`,
 *   else `Sec-Fetch-Site`, else `Referer`; with none of them the request is refused.
 * - applies to logout and every method, so no cross-site request changes state.
 *
 * @see https://www.rfc-editor.org/rfc/rfc10017 §6.1.3.3 (draft-ietf-oauth-browser-based-apps)
 * @see https://cheatsheetseries.owasp.org/cheatsheets/Cross-Site_Request_Forgery_Prevention_Cheat_Sheet.html
 */
import { CoatcheckError } from '../errors/coatcheck-error.ts'
import type { HeaderReader, RequestHead } from './request-head.ts'
import { requireExactOrigin } from './internal/exact-origin.ts'

/** Options of {@link createRequestGuard}; usually `config.publicOrigin`, `config.allowedOrigins`, `config.csrf`. */
export interface RequestGuardOptions {
  /** Coatcheck's own origin, e.g. `https://api.example.com`. */
  publicOrigin: string
  /** Exact SPA origins allowed to call Coatcheck, e.g. `https://app.example.com`. */
  allowedOrigins: ReadonlySet<string>
  /** Name of the static anti-CSRF header, lower-case, e.g. `x-csrf`. */
  csrfHeaderName: string
  /** Its required value, e.g. `1`. */
  csrfHeaderValue: string
}

/** The two checks Coatcheck runs before any handler; both throw a {@link CoatcheckError}. */
export interface RequestGuard {
  /**
   * Checks a request to an SPA-facing endpoint (session, logout, API proxy), whatever its
   * method: the static header must be present with its value, and the request must come from
   * Coatcheck's own origin or an allowlisted one.
   *
   * @throws CoatcheckError `csrf_header_missing` or `origin_not_allowed`.
   */
  checkApiRequest(request: RequestHead): void
  /**
   * Checks a request to a navigation endpoint (login): when Fetch Metadata is present it must
   * describe a top-level document navigation, so a `fetch()` never receives a redirect to the
   * identity provider. Requests without Fetch Metadata (old browsers, curl) pass.
   *
   * @throws CoatcheckError `login_requires_navigation`.
   */
  checkNavigation(request: RequestHead): void
  /**
   * Checks a WebSocket handshake, which cannot carry a custom header: the `Origin`, which
   * browsers always send on handshakes, must be Coatcheck's own or allowlisted. It is the
   * whole CSRF defence here (cross-site WebSocket hijacking).
   *
   * @throws CoatcheckError `origin_not_allowed`.
   */
  checkWebSocketOrigin(request: RequestHead): void
}

/**
 * Creates the request guard. Options are checked and turned into predicates once, here.
 *
 * @throws TypeError when an origin or the header name is unusable.
 */
export function createRequestGuard(options: RequestGuardOptions): RequestGuard {
  const hasCsrfHeader = createCsrfHeaderPredicate(options.csrfHeaderName, options.csrfHeaderValue)
  const isTrustedOrigin = createOriginPredicate(options.publicOrigin, options.allowedOrigins)

  return {
    checkApiRequest(request) {
      // Cross-site CSRF with a form, an <img> or a simple fetch(): none of them can set a custom
      // header without a CORS preflight, which only allowlisted origins pass.
      if (!hasCsrfHeader(request.headers)) throw new CoatcheckError('csrf_header_missing')
      // Defence in depth when the header alone is not enough: a sibling subdomain taken over
      // by an attacker is same-site, so SameSite cookies and a lax CORS setup would let it in.
      if (!isFromTrustedOrigin(request.headers, isTrustedOrigin)) {
        throw new CoatcheckError('origin_not_allowed')
      }
    },
    checkWebSocketOrigin(request) {
      const origin = request.headers.get('origin')
      if (origin === null || origin === 'null' || !isTrustedOrigin(origin)) {
        throw new CoatcheckError('origin_not_allowed')
      }
    },
    checkNavigation(request) {
      if (!isTopLevelNavigation(request.headers)) {
        throw new CoatcheckError('login_requires_navigation')
      }
    },
  }
}

type OriginPredicate = (origin: string) => boolean

// CORS-safelisted request headers never trigger a preflight, so naming one of them as the
// anti-CSRF header would silently give up the protection of X-02.
const SAFELISTED_HEADERS = new Set([
  'accept',
  'accept-language',
  'content-language',
  'content-type',
  'range',
])
const HEADER_NAME = /^[a-z0-9!#$%&'*+.^_`|~-]+$/

function createCsrfHeaderPredicate(
  name: string,
  value: string,
): (headers: HeaderReader) => boolean {
  const headerName = name.toLowerCase()
  if (!HEADER_NAME.test(headerName) || SAFELISTED_HEADERS.has(headerName)) {
    throw new TypeError(
      `csrfHeaderName "${name}" must be a custom header name such as x-csrf; ` +
        'a CORS-safelisted header would not force a preflight',
    )
  }
  if (value.length === 0) throw new TypeError('csrfHeaderValue must not be empty')
  // The value is public (it is in the SPA's code), so a plain comparison leaks nothing.
  // Exact match: a repeated header arrives joined as "1, 1" and is refused.
  return (headers) => headers.get(headerName) === value
}

function createOriginPredicate(
  publicOrigin: string,
  allowedOrigins: ReadonlySet<string>,
): OriginPredicate {
  const trusted = new Set([publicOrigin, ...allowedOrigins].map(requireExactOrigin))
  // Whole-origin string equality: a prefix or suffix test would let
  // `https://app.example.com.evil.com` or `https://evil-app.example.com` through.
  return (origin) => trusted.has(origin)
}

function isFromTrustedOrigin(headers: HeaderReader, isTrustedOrigin: OriginPredicate): boolean {
  const origin = headers.get('origin')
  if (origin !== null) {
    // `null` comes from sandboxed iframes, data: URLs and cross-origin redirects, all of which
    // an attacker can produce; it never names a trusted page.
    return origin !== 'null' && isTrustedOrigin(origin)
  }
  const site = headers.get('sec-fetch-site')
  if (site !== null) {
    // Browsers omit Origin only on same-origin GET/HEAD; without it, accept only what the
    // browser itself vouches is same-origin. `same-site` would trust any sibling subdomain
    // (subdomain takeover), `cross-site` is the attack itself, and `none` is a typed URL or
    // bookmark, which never carries the custom header anyway.
    return site === 'same-origin'
  }
  const referer = headers.get('referer')
  if (referer !== null) {
    // Older browsers send neither Origin nor Fetch Metadata; the Referer's origin is the last
    // witness. An unparsable Referer proves nothing and is refused.
    const url = URL.parse(referer)
    return url !== null && isTrustedOrigin(url.origin)
  }
  // No evidence of where the request came from: refuse rather than guess. Non-browser
  // clients that need access send an allowlisted Origin.
  return false
}

function isTopLevelNavigation(headers: HeaderReader): boolean {
  const mode = headers.get('sec-fetch-mode')
  const dest = headers.get('sec-fetch-dest')
  // A fetch() cannot complete a login: it would follow the 302 to the identity provider, fail
  // on CORS there, and leave a login transaction and its cookie behind; any page could use
  // that to churn a victim's login transactions. An <iframe> login would put the identity
  // provider's page inside someone else's frame (clickjacking).
  if (mode !== null && mode !== 'navigate') return false
  if (dest !== null && dest !== 'document') return false
  return true
}
