/**
 * A tiny cookie jar standing in for a browser in `signIn` / `signOut`: it keeps the IdP's
 * session cookie between calls, so a second sign-in reuses the IdP login (SSO).
 */
export interface IdpBrowserSession {
  /** The `Cookie` header to send with a request to `url`, or undefined when none applies. */
  cookieHeader(url: URL): string | undefined
  /** Stores the `Set-Cookie` headers of a response received from `url`. */
  storeCookies(url: URL, setCookieHeaders: readonly string[]): void
  /** Forgets every cookie, like closing a private window. */
  clear(): void
}

interface StoredCookie {
  name: string
  value: string
  host: string
  path: string
  /** Epoch milliseconds; undefined for a session cookie. */
  expiresAt: number | undefined
}

/**
 * Creates an empty {@link IdpBrowserSession}. Cookies are host-only and matched by path as in
 * RFC 6265 §5.1.4; like browsers, ports are not part of the match.
 * @see https://www.rfc-editor.org/rfc/rfc6265#section-5.3
 */
export function createIdpBrowserSession(): IdpBrowserSession {
  const cookies = new Map<string, StoredCookie>()
  return {
    cookieHeader(url) {
      const now = Date.now()
      const matching = [...cookies.values()]
        .filter((cookie) => cookie.expiresAt === undefined || cookie.expiresAt > now)
        .filter((cookie) => cookie.host === url.hostname && pathMatches(url.pathname, cookie.path))
        // §5.4: longer paths first, so the most specific cookie of a name wins.
        .sort((a, b) => b.path.length - a.path.length)
      if (matching.length === 0) return undefined
      return matching.map((cookie) => `${cookie.name}=${cookie.value}`).join('; ')
    },
    storeCookies(url, setCookieHeaders) {
      for (const header of setCookieHeaders) {
        const cookie = parseSetCookie(header, url)
        if (cookie === undefined) continue
        const key = `${cookie.host}\n${cookie.path}\n${cookie.name}`
        const expired = cookie.expiresAt !== undefined && cookie.expiresAt <= Date.now()
        if (expired) cookies.delete(key)
        else cookies.set(key, cookie)
      }
    },
    clear() {
      cookies.clear()
    },
  }
}

function parseSetCookie(header: string, url: URL): StoredCookie | undefined {
  const [pair = '', ...attributes] = header.split(';')
  const separator = pair.indexOf('=')
  if (separator <= 0) return undefined
  const cookie: StoredCookie = {
    name: pair.slice(0, separator).trim(),
    value: pair.slice(separator + 1).trim(),
    host: url.hostname,
    path: defaultPath(url.pathname),
    expiresAt: undefined,
  }
  let maxAge: number | undefined
  for (const attribute of attributes) {
    const [rawName = '', ...rest] = attribute.split('=')
    const name = rawName.trim().toLowerCase()
    const value = rest.join('=').trim()
    if (name === 'path' && value.startsWith('/')) cookie.path = value
    if (name === 'expires' && !Number.isNaN(Date.parse(value))) cookie.expiresAt = Date.parse(value)
    if (name === 'max-age' && /^-?\d+$/.test(value)) maxAge = Number(value)
  }
  // §5.3 step 3: Max-Age wins over Expires.
  if (maxAge !== undefined) cookie.expiresAt = Date.now() + maxAge * 1000
  return cookie
}

// §5.1.4: the default path is the request path up to, not including, its last slash.
function defaultPath(pathname: string): string {
  const last = pathname.lastIndexOf('/')
  return last <= 0 ? '/' : pathname.slice(0, last)
}

function pathMatches(requestPath: string, cookiePath: string): boolean {
  if (requestPath === cookiePath) return true
  if (!requestPath.startsWith(cookiePath)) return false
  return cookiePath.endsWith('/') || requestPath[cookiePath.length] === '/'
}
