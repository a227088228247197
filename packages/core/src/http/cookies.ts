/**
 * Cookie parsing and serialisation for the Web-standard core: a request's `Cookie` header
 * in, `Set-Cookie` header values out. Values Coatcheck writes are base64url; anything else
 * is refused rather than quoted or escaped.
 *
 * @see https://datatracker.ietf.org/doc/html/draft-ietf-httpbis-rfc6265bis#section-4.1
 */

/** The `SameSite` attribute; always written explicitly (C-03). */
export type SameSite = 'Strict' | 'Lax' | 'None'

/** Attributes of one `Set-Cookie`. Secure, HttpOnly and `Path=/` are the defaults (C-01, C-02, C-04). */
export interface CookieOptions {
  sameSite: SameSite
  /** Lifetime in whole seconds; `0` expires the cookie. Omitted: a browser-session cookie. */
  maxAge?: number
  /** Defaults to `true`: scripts cannot read the cookie (C-02). */
  httpOnly?: boolean
  /** Defaults to `true`: sent over https only (C-01). */
  secure?: boolean
  /** Defaults to `/` (C-04). */
  path?: string
  /** Leave unset so the cookie stays host-only (C-04). */
  domain?: string
  /** CHIPS: one cookie jar per top-level site, for cross-site iframes only (C-17). */
  partitioned?: boolean
}

/** RFC 9110 token: the characters allowed in a cookie name. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/
/** RFC 6265 cookie-octet: no space, DQUOTE, comma, semicolon, backslash or control. */
const COOKIE_VALUE = /^[\x21\x23-\x2B\x2D-\x3A\x3C-\x5B\x5D-\x7E]*$/
/** Host name characters, optionally with the legacy leading dot. */
const DOMAIN = /^\.?[A-Za-z0-9][A-Za-z0-9.-]*$/
/** An absolute path of visible ASCII without `;`. */
const PATH = /^\/[\x20-\x3A\x3C-\x7E]*$/
/** Browsers drop a cookie whose name+value exceeds this many octets (C-10). */
const MAX_NAME_VALUE_BYTES = 4096
/** Browsers ignore an attribute value longer than this (C-10). */
const MAX_ATTRIBUTE_BYTES = 1024

/**
 * Parses a `Cookie` request header. The first occurrence of a name wins; a malformed pair
 * (no `=`, a name that is not a token, a value with characters outside cookie-octet) is
 * skipped and never claims its name. Never throws.
 *
 * @see https://datatracker.ietf.org/doc/html/draft-ietf-httpbis-rfc6265bis#section-5.6
 */
export function parseCookieHeader(header: string | null): Map<string, string> {
  const cookies = new Map<string, string>()
  if (!header) return cookies
  for (const pair of header.split(';')) {
    const eq = pair.indexOf('=')
    if (eq === -1) continue
    const name = pair.slice(0, eq).trim()
    if (cookies.has(name) || !TOKEN.test(name)) continue
    let value = pair.slice(eq + 1).trim()
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) {
      value = value.slice(1, -1)
    }
    if (COOKIE_VALUE.test(value)) cookies.set(name, value)
  }
  return cookies
}

/**
 * `parseCookieHeader(header).get(name)` without parsing the pairs of other names: the value
 * of the first pair named `name` whose value is well-formed.
 */
function findCookie(header: string, name: string): string | undefined {
  if (!TOKEN.test(name)) return undefined
  for (let start = 0; start < header.length;) {
    const semicolon = header.indexOf(';', start)
    const end = semicolon < 0 ? header.length : semicolon
    const eq = header.indexOf('=', start)
    if (eq >= 0 && eq < end && header.slice(start, eq).trim() === name) {
      let value = header.slice(eq + 1, end).trim()
      if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) {
        value = value.slice(1, -1)
      }
      if (COOKIE_VALUE.test(value)) return value
    }
    start = end + 1
  }
  return undefined
}

/**
 * Serialises one `Set-Cookie` value, always with an explicit `SameSite` (C-03).
 *
 * @throws TypeError on a name, value, path or domain that would let a header be injected or
 *   be silently dropped by browsers, and on attributes that break the cookie's name prefix.
 * @see https://datatracker.ietf.org/doc/html/draft-ietf-httpbis-rfc6265bis#section-4.1.1
 */
export function serializeCookie(name: string, value: string, options: CookieOptions): string {
  const secure = options.secure ?? true
  const httpOnly = options.httpOnly ?? true
  const path = options.path ?? '/'
  checkNameAndValue(name, value)
  checkAttributes(options, path)
  checkPrefixRules(name, { secure, httpOnly, path, domain: options.domain })
  if (options.sameSite === 'None' && !secure) {
    // Browsers reject SameSite=None without Secure (6265bis §5.7 step 19).
    throw new TypeError(`cookie ${name}: SameSite=None requires Secure`)
  }
  if (options.partitioned && !secure) {
    throw new TypeError(`cookie ${name}: Partitioned requires Secure`)
  }

  let header = `${name}=${value}`
  if (options.maxAge !== undefined) header += `; Max-Age=${options.maxAge}`
  if (options.domain !== undefined) header += `; Domain=${options.domain}`
  header += `; Path=${path}`
  if (secure) header += '; Secure'
  if (httpOnly) header += '; HttpOnly'
  header += `; SameSite=${options.sameSite}`
  if (options.partitioned) header += '; Partitioned'
  return header
}

function checkNameAndValue(name: string, value: string): void {
  if (!TOKEN.test(name)) throw new TypeError('invalid cookie name')
  // A `;`, CR or LF in a value would start a new attribute or a new header.
  if (!COOKIE_VALUE.test(value)) throw new TypeError(`cookie ${name}: invalid value`)
  if (name.length + value.length > MAX_NAME_VALUE_BYTES) {
    throw new TypeError(`cookie ${name}: name+value exceeds ${MAX_NAME_VALUE_BYTES} bytes`)
  }
}

function checkAttributes(options: CookieOptions, path: string): void {
  const { maxAge, domain } = options
  if (maxAge !== undefined && (!Number.isSafeInteger(maxAge) || maxAge < 0)) {
    throw new TypeError('cookie maxAge must be a non-negative integer of seconds')
  }
  if (domain !== undefined && (domain.length > 253 || !DOMAIN.test(domain))) {
    throw new TypeError('invalid cookie domain')
  }
  if (path.length > MAX_ATTRIBUTE_BYTES || !PATH.test(path)) {
    throw new TypeError('cookie path must be an absolute path without ";"')
  }
}

interface PrefixedAttributes {
  secure: boolean
  httpOnly: boolean
  path: string
  domain: string | undefined
}

/**
 * Browsers refuse a prefixed cookie whose attributes break the prefix's promise; failing
 * here turns a silently missing cookie into a start-up error (C-05).
 *
 * @see https://datatracker.ietf.org/doc/html/draft-ietf-httpbis-layered-cookies#section-4.1.3
 */
function checkPrefixRules(name: string, attributes: PrefixedAttributes): void {
  const lower = name.toLowerCase()
  const host = lower.startsWith('__host-')
  const http = lower.startsWith('__http-') || lower.startsWith('__host-http-')
  if ((host || http || lower.startsWith('__secure-')) && !attributes.secure) {
    throw new TypeError(`cookie ${name}: its prefix requires Secure`)
  }
  if (host && (attributes.path !== '/' || attributes.domain !== undefined)) {
    throw new TypeError(`cookie ${name}: the __Host- prefix requires Path=/ and no Domain`)
  }
  if (http && !attributes.httpOnly) {
    throw new TypeError(`cookie ${name}: its __Http- prefix requires HttpOnly`)
  }
}

/**
 * The cookies of one request and the `Set-Cookie` headers of its response. `get` and
 * `names` read the request only; pending writes never show through.
 */
export class CookieJar {
  readonly #header: string | null
  #request: Map<string, string> | undefined
  readonly #pending = new Map<string, string>()

  constructor(cookieHeader: string | null) {
    this.#header = cookieHeader
  }

  /** The request's value of cookie `name`. */
  get(name: string): string | undefined {
    // One lookup, as most requests make (the session id): a scan, no map of every cookie.
    if (this.#request === undefined && this.#header) return findCookie(this.#header, name)
    return this.#cookies().get(name)
  }

  /** The names of the request's cookies. */
  names(): string[] {
    return [...this.#cookies().keys()]
  }

  /**
   * Sets a cookie on the response; a later `set` or `expire` of the same name replaces it.
   *
   * @throws TypeError as {@link serializeCookie} does.
   */
  set(name: string, value: string, options: CookieOptions): void {
    this.#pending.set(name, serializeCookie(name, value, options))
  }

  /**
   * Expires a cookie with `Max-Age=0`. Pass the attributes it was set with: a browser
   * only replaces the cookie with the same name, domain and path (and partition).
   */
  expire(name: string, options: Omit<CookieOptions, 'maxAge'>): void {
    this.set(name, '', { ...options, maxAge: 0 })
  }

  /** The `Set-Cookie` header values to send, in the order first written. */
  setCookieHeaders(): string[] {
    return [...this.#pending.values()]
  }

  /** Appends every pending `Set-Cookie` header to `headers`. */
  applyTo(headers: Headers): void {
    for (const value of this.#pending.values()) headers.append('set-cookie', value)
  }

  // Parsed on first read: many requests (static files, pre-flights) never look.
  #cookies(): Map<string, string> {
    this.#request ??= parseCookieHeader(this.#header)
    return this.#request
  }
}
