import type { KoaMiddleware } from 'oidc-provider'
import { CONTENT_SECURITY_POLICY } from './html.ts'

/**
 * Sets headers on every response before oidc-provider runs, so its own pages (form_post,
 * errors) get them too: the login and logout pages must not be frameable (clickjacking,
 * RFC 9700 §4.16, D-29), must not leak their URL in a Referer, and must not be MIME-sniffed.
 */
export const securityHeaders: KoaMiddleware = async (ctx, next) => {
  ctx.set('Content-Security-Policy', CONTENT_SECURITY_POLICY)
  // Old browsers ignore CSP frame-ancestors; X-Frame-Options covers them.
  ctx.set('X-Frame-Options', 'DENY')
  ctx.set('Referrer-Policy', 'no-referrer')
  ctx.set('X-Content-Type-Options', 'nosniff')
  await next()
}
