import { serializeCookie, type CookieOptions } from '../../http/cookies.ts'
import type { Session } from '../session.ts'
import type { SessionCookieOptions } from '../session-persistence.ts'

/** Browsers cap a cookie's lifetime at 400 days (C-11). */
const MAX_COOKIE_AGE_SECONDS = 400 * 24 * 60 * 60

/**
 * The fixed attributes of every session cookie: Secure, HttpOnly, `Path=/`, an explicit
 * SameSite, and Domain / Partitioned only when configured (C-01..C-05, C-17).
 *
 * @throws TypeError at start-up when the name or attributes are invalid together (e.g. a
 *   `__Host-` name with a Domain), rather than on the first login.
 */
export function sessionCookieAttributes(
  cookie: SessionCookieOptions,
): Omit<CookieOptions, 'maxAge'> {
  const attributes = {
    sameSite: cookie.sameSite,
    httpOnly: true,
    secure: true,
    path: '/',
    ...(cookie.domain === undefined ? {} : { domain: cookie.domain }),
    ...(cookie.partitioned ? { partitioned: true } : {}),
  }
  serializeCookie(cookie.name, '', attributes)
  return attributes
}

/** Whole seconds until the session's absolute expiry; 0 or less when it has passed. */
export function remainingSeconds(session: Session, now: number): number {
  return Math.ceil((session.expiresAt - now) / 1000)
}

/** The session cookie's Max-Age for `seconds` of remaining lifetime. */
export function cookieMaxAge(seconds: number): number {
  return Math.min(seconds, MAX_COOKIE_AGE_SECONDS)
}

/** Whether the session is still within its absolute lifetime. */
export function isLive(session: Session, now: number): boolean {
  return session.expiresAt > now
}
