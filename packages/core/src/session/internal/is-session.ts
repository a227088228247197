import type { Session } from '../session.ts'

/** A session id as `randomId()` makes it: 16 bytes of base64url, 22 characters (C-08). */
const SESSION_ID = /^[A-Za-z0-9_-]{22}$/

/** Whether `value` has the shape of a session id; checked before any store lookup. */
export function isSessionId(value: unknown): value is string {
  return typeof value === 'string' && SESSION_ID.test(value)
}

/**
 * Whether a value read back from a store or a sealed cookie has the fields the flows rely
 * on. Authentic data can still be stale: written by an older version of Coatcheck.
 */
export function isSession(value: unknown): value is Session {
  if (typeof value !== 'object' || value === null) return false
  const session = value as Record<string, unknown>
  const tokens = session['tokens'] as Record<string, unknown> | null | undefined
  return (
    isSessionId(session['id']) &&
    typeof session['issuer'] === 'string' &&
    typeof session['sub'] === 'string' &&
    typeof session['claims'] === 'object' &&
    session['claims'] !== null &&
    typeof tokens === 'object' &&
    tokens !== null &&
    typeof tokens['accessToken'] === 'string' &&
    typeof tokens['tokenType'] === 'string' &&
    Number.isInteger(session['version']) &&
    Number.isFinite(session['createdAt']) &&
    Number.isFinite(session['lastSeenAt']) &&
    Number.isFinite(session['expiresAt'])
  )
}
