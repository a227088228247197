import type { RouteConfig } from '../config/schema.ts'
import { CoatcheckError } from '../errors/coatcheck-error.ts'

/** A route whose prefix matched, and the rest of the path below it. */
export interface RouteMatch {
  readonly route: RouteConfig
  readonly rest: string
}

/** The route whose path prefix matches `pathname` (the URL parser has already resolved dot segments). */
export function matchRoute(
  pathname: string,
  routes: readonly RouteConfig[],
): RouteMatch | undefined {
  for (const route of routes) {
    if (pathname === route.path || pathname.startsWith(`${route.path}/`)) {
      return { route, rest: pathname.slice(route.path.length) }
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
export function buildUpstreamUrl(match: RouteMatch, search: string): URL {
  const { route, rest } = match
  if (/%2f|%5c|%2e|\\/i.test(rest) || rest.includes('//')) {
    throw new CoatcheckError('bad_request', {
      message: 'The API path contains an encoded separator or an empty segment.',
    })
  }
  const base = new URL(route.upstream)
  const basePath = base.pathname.replace(/\/$/, '')
  const target = new URL(base.origin)
  target.pathname = basePath + rest
  target.search = search
  // Defence in depth: whatever the path held, origin and prefix are still the configured ones.
  if (target.origin !== base.origin || !`${target.pathname}/`.startsWith(`${basePath}/`)) {
    throw new CoatcheckError('bad_request', { message: 'The API path leaves its route.' })
  }
  return target
}
