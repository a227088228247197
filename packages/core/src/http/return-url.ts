/**
 * Checks the `returnTo` of `/login` and `/logout`, so Coatcheck never becomes an open
 * redirector (L-15): a link to `https://api.example.com/auth/login?returnTo=https://evil.com`
 * would otherwise send a freshly signed-in user to a phishing page that looks trusted.
 *
 * Only two shapes are accepted: a path on the SPA's origin (`/orders?tab=1`) and an absolute
 * http(s) URL on an allowlisted origin. Everything else is refused rather than repaired,
 * because every "repair" is a guess about how some browser or router will read the value.
 *
 * @see https://www.rfc-editor.org/rfc/rfc9700#section-4.11.1
 * @see https://cheatsheetseries.owasp.org/cheatsheets/Unvalidated_Redirects_and_Forwards_Cheat_Sheet.html
 */
import { CoatcheckError } from '../errors/coatcheck-error.ts'

/** Options of {@link resolveReturnUrl}. */
export interface ReturnUrlOptions {
  /** Where to go when no `returnTo` is given (`spa.url`); relative paths resolve on its origin. */
  defaultUrl: string
  /** Exact origins an absolute `returnTo` may point to (`config.allowedOrigins`). */
  allowedOrigins: ReadonlySet<string>
}

// Long enough for any real deep link; longer values only serve to hide something.
const MAX_LENGTH = 2048
// Controls (CR/LF split headers and logs; the URL parser silently drops tab and newline, so
// `/\t/evil.com` turns into `//evil.com`), invisible format characters (bidi overrides that
// disguise a URL, soft hyphens that IDNA deletes), any whitespace (the parser trims it), and
// backslashes (browsers read `\` as `/` in http(s) URLs, so `/\evil.com` is `//evil.com`).
const UNSAFE_RAW = /[\p{Cc}\p{Cf}\p{Z}\\]/u
// The same after one percent-decode, for the SPA router or server that decodes before it
// navigates: `%0d%0a`, `%09` and `%5C` are refused. An encoded plain space (`%20`) is allowed:
// it stays encoded in the URL we return and is common in search queries.
const UNSAFE_DECODED = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\\]/u
// `/path` but not `//host`: a leading `//` is protocol-relative and names another host.
const LOCAL_PATH = /^\/(?!\/)/
// `http(s)://host...` with no `@` before the path: `https://app.example.com@evil.com` is a
// login of user "app.example.com" at evil.com, and `https://user@app.example.com` has no
// legitimate use in a redirect but fools people reading the link.
const ABSOLUTE_HTTP_URL = /^https?:\/\/[^/?#@]+(?:[/?#]|$)/i

/**
 * Validates a `returnTo` value and returns the absolute URL to redirect to. A missing or empty
 * value gives `defaultUrl`; a path resolves against `defaultUrl`'s origin; an absolute URL
 * must be http(s) on an allowlisted origin.
 *
 * @throws CoatcheckError `invalid_return_to` for anything else, including every encoded or
 *   obfuscated way of naming another origin.
 * @throws TypeError when `defaultUrl` is not an http(s) URL (misconfiguration).
 */
export function resolveReturnUrl(
  value: string | null | undefined,
  options: ReturnUrlOptions,
): string {
  const defaultUrl = requireHttpUrl(options.defaultUrl)
  if (value === null || value === undefined || value === '') return defaultUrl.href

  if (value.length > MAX_LENGTH) throw invalidReturnTo()
  if (UNSAFE_RAW.test(value)) throw invalidReturnTo()
  if (!isSafeOnceDecoded(value)) throw invalidReturnTo()
  // Anything that is neither a local path nor an http(s) URL is refused: `javascript:` and
  // `data:` run script in the SPA's origin, `//evil.com` is protocol-relative, and bare
  // `evil.com` or `?x` mean different things to different parsers.
  if (!LOCAL_PATH.test(value) && !ABSOLUTE_HTTP_URL.test(value)) throw invalidReturnTo()

  const url = URL.parse(value, defaultUrl.origin)
  if (url === null) throw invalidReturnTo()
  // The final word belongs to the WHATWG parser, which is what the browser will use: whatever
  // the checks above missed, the origin it resolves to must be one we trust.
  if (!isAllowedOrigin(url, defaultUrl, options.allowedOrigins)) throw invalidReturnTo()
  if (url.username !== '' || url.password !== '') throw invalidReturnTo()
  // Dot segments can leave a path that starts with `//` (`/.//evil.com` resolves to the path
  // `//evil.com`); an SPA that later navigates to `location.pathname` would leave the origin.
  if (!isSafePathname(url.pathname)) throw invalidReturnTo()
  return url.href
}

/** Whether {@link resolveReturnUrl} accepts `value`; an empty value is accepted (it means the default). */
export function isSafeReturnUrl(value: string, options: ReturnUrlOptions): boolean {
  try {
    resolveReturnUrl(value, options)
    return true
  } catch (error) {
    if (error instanceof CoatcheckError && error.code === 'invalid_return_to') return false
    throw error
  }
}

function invalidReturnTo(): CoatcheckError {
  // The value itself is not echoed: the message stays a fixed, safe sentence.
  return new CoatcheckError('invalid_return_to')
}

function requireHttpUrl(value: string): URL {
  const url = URL.parse(value)
  if (url === null || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
    throw new TypeError(`defaultUrl "${value}" must be an absolute http(s) URL`)
  }
  return url
}

function isSafeOnceDecoded(value: string): boolean {
  const decoded = decodeOnce(value)
  // Malformed escapes (`%zz`, overlong UTF-8 such as `%C0%AF` for `/`) are refused: decoders
  // disagree on them, and an attacker picks the one that helps.
  if (decoded === undefined) return false
  // `%2F%2Fevil.com` and `/%2F%2Fevil.com` become protocol-relative after one decode.
  return !UNSAFE_DECODED.test(decoded) && !decoded.startsWith('//')
}

function isAllowedOrigin(url: URL, defaultUrl: URL, allowedOrigins: ReadonlySet<string>): boolean {
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return false
  // Exact origin equality: a suffix test would accept `https://app.example.com.evil.com`.
  return url.origin === defaultUrl.origin || allowedOrigins.has(url.origin)
}

function isSafePathname(pathname: string): boolean {
  const decoded = decodeOnce(pathname)
  return decoded !== undefined && !decoded.startsWith('//') && !UNSAFE_DECODED.test(decoded)
}

function decodeOnce(value: string): string | undefined {
  try {
    return decodeURIComponent(value)
  } catch {
    return undefined
  }
}
