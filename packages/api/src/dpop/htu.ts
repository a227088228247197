const UNRESERVED = /[A-Za-z0-9\-._~]/

/**
 * Normalises an HTTP URI for the DPoP `htu` comparison: query and fragment dropped, then
 * RFC 3986 §6.2.2 (case of scheme and host, percent-encoding, dot segments) and §6.2.3
 * (default port, empty path is `/`). `undefined` for anything but an absolute http(s) URL.
 * @see https://www.rfc-editor.org/rfc/rfc9449#section-4.3
 */
export function normalizeHtu(value: string): string | undefined {
  const url = URL.parse(value)
  if (url === null || (url.protocol !== 'https:' && url.protocol !== 'http:')) return undefined
  // WHATWG URL parsing already lower-cases scheme and host, drops the default port and
  // resolves dot segments; what is left is the percent-encoding of the path.
  const path = url.pathname.replace(/%([0-9A-Fa-f]{2})/g, (_match, hex: string) => {
    const char = String.fromCharCode(Number.parseInt(hex, 16))
    return UNRESERVED.test(char) ? char : `%${hex.toUpperCase()}`
  })
  return `${url.protocol}//${url.host}${path}`
}
