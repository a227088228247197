import type { RouteConfig } from '../config/schema.ts'
import { CoatcheckError } from '../errors/coatcheck-error.ts'

/** A route whose prefix matched, the rest of the path below it, and the query. */
export interface RouteMatch {
  readonly route: RouteConfig
  readonly rest: string
  /** `?…` or empty, passed upstream unchanged. */
  readonly search: string
}

/** The route whose path prefix matches `url` (the URL parser has already resolved dot segments). */
export function matchRoute(url: URL, routes: readonly RouteConfig[]): RouteMatch | undefined {
  const { pathname } = url
  for (const route of routes) {
    if (pathname === route.path || pathname.startsWith(`${route.path}/`)) {
      return { route, rest: pathname.slice(route.path.length), search: url.search }
    }
  }
  return undefined
}

/**
 * The upstream URL, fixed by configuration: the browser only chooses a path below the
 * route's base (P-01, P-02). Encoded slashes, backslashes and dots are refused outright:
 * an upstream that decodes them again would route a path other than the one checked here
 * (`/api/orders/..%2Fadmin`). Protocol-relative and absolute-form tricks cannot change the
 * origin, because only the path is taken from the request.
 */
export function buildUpstreamUrl(match: RouteMatch): URL {
  const { route, rest } = match
  if (/%2f|%5c|%2e|\\/i.test(rest) || rest.includes('//')) {
    throw new CoatcheckError('bad_request', {
      message: 'The API path contains an encoded separator or an empty segment.',
    })
  }
  const { origin, basePath } = upstreamBase(route)
  const target = new URL(`${origin}${basePath}${rest}${match.search}`)
  // Defence in depth: whatever the path held, origin and prefix are still the configured ones.
  if (target.origin !== origin || !`${target.pathname}/`.startsWith(`${basePath}/`)) {
    throw new CoatcheckError('bad_request', { message: 'The API path leaves its route.' })
  }
  return target
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
