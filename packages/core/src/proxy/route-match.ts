import type { RouteConfig } from '../config/schema.ts'
import { CoatcheckError } from '../errors/coatcheck-error.ts'

/** A route whose prefix matched, the rest of the path below it, and the query. */
export interface RouteMatch {
  readonly route: RouteConfig
  readonly rest: string
  /** `?…` or empty, passed upstream unchanged. */
  readonly search: string
}

/** The path and query of a request, as the URL parser resolves them. */
export interface RequestTarget {
  readonly pathname: string
  /** `?…`, or empty when there is no query or an empty one. */
  readonly search: string
}

// A path and query the WHATWG URL parser leaves exactly as they are: segments of plain
// characters, none of them `.` or `..`, no `%` or `\`, and a query without the characters
// it would escape. Most API calls look like this; they skip the parser, and everything else
// still goes through it.
const PLAIN_PATH_AND_QUERY =
  /((?:\/(?!\.\.?(?:[/?]|$))[\w!$&'()*+,;=:@.~-]*)+)(\?[\w!$&()*+,;=:@.~/?%-]*)?$/.source
const PLAIN_TARGET = new RegExp(`^${PLAIN_PATH_AND_QUERY}`)
/** The same after an http(s) origin whose host is a name, an IPv4 or an IPv6 address. */
const PLAIN_URL = new RegExp(`^https?://[\\w.:[\\]-]+${PLAIN_PATH_AND_QUERY}`, 'i')

/**
 * The path and query of `url`, an absolute URL, with dot segments resolved and characters
 * escaped as `new URL(url)` would: the same answer, parsed only when it could differ.
 */
export function requestTarget(url: string): RequestTarget {
  const plain = PLAIN_URL.exec(url)
  if (plain === null) return new URL(url)
  const search = plain[2]
  return {
    pathname: plain[1] as string,
    search: search === undefined || search === '?' ? '' : search,
  }
}

/** The route whose path prefix matches the target (dot segments already resolved). */
export function matchRoute(
  target: RequestTarget,
  routes: readonly RouteConfig[],
): RouteMatch | undefined {
  const { pathname } = target
  for (const route of routes) {
    if (pathname === route.path || pathname.startsWith(`${route.path}/`)) {
      return { route, rest: pathname.slice(route.path.length), search: target.search }
    }
  }
  return undefined
}

/** Where an upstream call goes. */
export interface UpstreamTarget {
  /** The route's upstream origin, `https://api.internal:8443`. */
  readonly origin: string
  /** Path and query for the request line: the route's base path, the rest, the query. */
  readonly target: string
}

/**
 * The upstream URL, fixed by configuration: the browser only chooses a path below the
 * route's base (P-01, P-02). Encoded slashes, backslashes and dots are refused outright:
 * an upstream that decodes them again would route a path other than the one checked here
 * (`/api/orders/..%2Fadmin`). Protocol-relative and absolute-form tricks cannot change the
 * origin, because only the path is taken from the request.
 */
export function buildUpstreamTarget(match: RouteMatch): UpstreamTarget {
  const { route, rest, search } = match
  if (/%2f|%5c|%2e|\\/i.test(rest) || rest.includes('//')) {
    throw new CoatcheckError('bad_request', {
      message: 'The API path contains an encoded separator or an empty segment.',
    })
  }
  const { origin, basePath } = upstreamBase(route)
  const joined = `${basePath}${rest}${search}`
  // A plain path and query come out of the URL parser unchanged: no need to ask it.
  if (PLAIN_TARGET.test(joined)) return { origin, target: joined }
  const url = new URL(`${origin}${joined}`)
  // Defence in depth: whatever the path held, origin and prefix are still the configured ones.
  if (url.origin !== origin || !`${url.pathname}/`.startsWith(`${basePath}/`)) {
    throw new CoatcheckError('bad_request', { message: 'The API path leaves its route.' })
  }
  return { origin, target: `${url.pathname}${url.search}` }
}

const bases = new WeakMap<RouteConfig, { origin: string; basePath: string }>()

/** The route's upstream origin and base path, parsed once per route, not per request. */
function upstreamBase(route: RouteConfig) {
  let base = bases.get(route)
  if (!base) {
    const url = new URL(route.upstream)
    base = { origin: url.origin, basePath: url.pathname.replace(/\/$/, '') }
    bases.set(route, base)
  }
  return base
}
