import type { CoatcheckConfig } from '@coatcheck/core'

/** Names a request's route for logs and metrics, from configuration only. */
export type RouteLabeler = (url: string | undefined) => string

// Auth endpoints below `basePath` that exist now or may: a fixed list, so a made-up path
// never becomes a label of its own.
const AUTH_ENDPOINTS = [
  'login',
  'callback',
  'session',
  'logout',
  'logout/callback',
  'events',
  'backchannel-logout',
  'sessions',
  'operator/sessions',
]

/** Label of every path that is neither a route nor a known endpoint. */
export const OTHER_ROUTE = 'other'

/**
 * The route a request belongs to: a configured route prefix (`/api/orders`), an auth
 * endpoint (`/auth/callback`), an extra path the host serves (`/healthz`), or `other`. Never
 * the raw URL: its rest path and query are the user's data (and may hold an authorization
 * code), and one label per distinct URL would grow the metrics without bound.
 */
export function createRouteLabeler(
  config: CoatcheckConfig,
  extraPaths: readonly string[] = [],
): RouteLabeler {
  const exact = new Set([
    ...AUTH_ENDPOINTS.map((name) => `${config.basePath}/${name}`),
    ...extraPaths,
  ])
  const sessionPrefix = `${config.basePath}/sessions/`
  // Longest prefix first, so `/api/orders/archive` wins over `/api/orders`.
  const prefixes = config.routes.map((route) => route.path).sort((a, b) => b.length - a.length)
  return (url) => {
    if (url === undefined || !url.startsWith('/')) return OTHER_ROUTE
    const end = url.search(/[?#]/)
    const pathname = end === -1 ? url : url.slice(0, end)
    if (exact.has(pathname)) return pathname
    if (pathname.startsWith(sessionPrefix)) return `${sessionPrefix}{id}`
    for (const prefix of prefixes) {
      if (pathname === prefix || pathname.startsWith(`${prefix}/`)) return prefix
    }
    return OTHER_ROUTE
  }
}
