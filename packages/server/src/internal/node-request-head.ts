import type { IncomingMessage } from 'node:http'
import type { HeaderReader, RequestHead } from '@coatcheck/core'

// A host name, IPv4 or bracketed IPv6 literal, with an optional port. Anything else in Host
// (`evil.com/x@`, spaces, a second authority) could make the URL parse differently.
const HOST = /^(?:[A-Za-z0-9._-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/

/**
 * The absolute URL of a Node request, or `undefined` when it cannot be built safely (the
 * caller answers 400). Only origin-form targets (`/path?query`) are accepted: an
 * absolute-form target (`GET http://evil.example/ HTTP/1.1`) would let the client choose
 * the URL's authority, and `*` names no resource.
 */
export function requestUrl(req: IncomingMessage, trustProxy: boolean): string | undefined {
  const target = req.url ?? ''
  if (!target.startsWith('/')) return undefined
  const origin = originOf(req, trustProxy)
  // Concatenated, not resolved: `new URL('//evil.com/x', base)` would change the host.
  return origin === undefined ? undefined : origin + target
}

/**
 * A {@link RequestHead} over a Node request, for the fast path: no `Request`, no copy of the
 * headers. Repeated headers read as `Headers` would join them (`cookie` with `; `), so the
 * checks in core see the same values on both paths.
 */
export function toRequestHead(req: IncomingMessage, trustProxy: boolean): RequestHead | undefined {
  const url = requestUrl(req, trustProxy)
  if (url === undefined) return undefined
  return { method: req.method ?? 'GET', url, headers: createHeaderReader(req) }
}

/**
 * Whether the request carries a body, from its framing headers. Any method may: GET with a
 * body is unusual, but a proxy forwards what the framing says.
 */
export function hasRequestBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length']
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0')
}

function createHeaderReader(req: IncomingMessage): HeaderReader {
  return {
    get(name) {
      const key = name.toLowerCase()
      // `headersDistinct` keeps every value; `headers` drops repeats of some (Referer,
      // Authorization), which would let a doubled header pass a check `Headers` would fail.
      const values = req.headersDistinct[key]
      if (values === undefined) return null
      return values.length === 1 ? (values[0] as string) : values.join(headerJoiner(key))
    },
  }
}

/** How `Headers` joins repeats of a header (lower-case `name`): cookies with `; `. */
export function headerJoiner(name: string): string {
  return name === 'cookie' ? '; ' : ', '
}

function originOf(req: IncomingMessage, trustProxy: boolean): string | undefined {
  const encrypted = 'encrypted' in req.socket && req.socket.encrypted === true
  return requestOrigin((name) => req.headers[name], encrypted, trustProxy)
}

/**
 * The request's origin: scheme and host, from `X-Forwarded-Proto`/`-Host` behind a trusted
 * proxy, else from the connection and `Host`; `undefined` for a host that is not a plain
 * name or address, which could make the URL parse differently (the caller answers 400).
 */
export function requestOrigin(
  header: (
    name: 'host' | 'x-forwarded-proto' | 'x-forwarded-host',
  ) => string | string[] | undefined,
  encrypted: boolean,
  trustProxy: boolean,
): string | undefined {
  const forwardedProto = trustProxy ? firstValue(header('x-forwarded-proto')) : undefined
  const forwardedHost = trustProxy ? firstValue(header('x-forwarded-host')) : undefined
  const scheme =
    forwardedProto === 'https' || forwardedProto === 'http'
      ? forwardedProto
      : encrypted
        ? 'https'
        : 'http'
  const host = forwardedHost ?? firstHost(header('host')) ?? '127.0.0.1'
  return HOST.test(host) ? `${scheme}://${host}` : undefined
}

function firstHost(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value
}

function firstValue(header: string | string[] | undefined): string | undefined {
  const value = Array.isArray(header) ? header[0] : header
  return value?.split(',')[0]?.trim().toLowerCase() || undefined
}
