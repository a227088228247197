/**
 * Checks an origin from the options once, at start-up: exactly `scheme://host[:port]`.
 * `null` (sandboxed frames, data: URLs) and `*` are refused, since neither may ever be
 * trusted with credentials; a path or trailing slash would never equal a browser's `Origin`.
 *
 * @throws TypeError naming the value and the origin it should be.
 */
export function requireExactOrigin(value: string): string {
  const url = URL.parse(value)
  if (url === null || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
    throw new TypeError(`"${value}" is not an http(s) origin such as https://app.example.com`)
  }
  if (url.origin !== value) {
    throw new TypeError(`"${value}" must be exactly the origin "${url.origin}": no path, no slash`)
  }
  return value
}
