/**
 * The part of an HTTP request the verifier reads: a Web `Request` fits, and so does an object
 * an adapter builds from `node:http`, Express, Fastify or Hono. The verifier never reads a
 * body stream; pass `body` only when a framework already parsed it.
 */
export interface RequestLike {
  /** The HTTP method, e.g. `GET`. */
  readonly method: string
  /** The absolute URL, or the path and query as received (`/articles?page=2`). */
  readonly url: string
  /** Web `Headers`, or Node's `headersDistinct` / `headers` record (lower-case names). */
  readonly headers: Headers | Readonly<Record<string, string | readonly string[] | undefined>>
  /** The already parsed body, if any; only checked for a smuggled `access_token`. */
  readonly body?: unknown
}

/**
 * The values of one header as a list: repeated headers and comma-joined values both count
 * as several, so "exactly one DPoP header" cannot be dodged by sending it twice.
 */
export function readHeaderList(request: RequestLike, name: string): string[] {
  const raw = readRaw(request.headers, name.toLowerCase())
  return raw
    .flatMap((value) => value.split(','))
    .map((value) => value.trim())
    .filter((value) => value !== '')
}

function readRaw(headers: RequestLike['headers'], name: string): readonly string[] {
  if (headers instanceof Headers) {
    const value = headers.get(name)
    return value === null ? [] : [value]
  }
  const value = Object.hasOwn(headers, name) ? headers[name] : undefined
  if (value === undefined) return []
  return typeof value === 'string' ? [value] : value
}

/** The request's path and query, parsed; the host part is never trusted (see `publicUrl`). */
export function parseRequestUrl(request: RequestLike): URL {
  // A path-only URL gets a placeholder origin: only the path and query are read from it.
  return new URL(request.url, 'http://request.invalid')
}
