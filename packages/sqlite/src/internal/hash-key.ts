import { hash } from 'node:crypto'

/**
 * The stored form of a session id or caller key: base64url SHA-256. Session ids are the
 * cookie values and lock keys embed them, so the file keeps only their hashes; a copy of
 * it cannot be turned into a working cookie.
 */
export function hashKey(key: string): string {
  return hash('sha256', key, 'base64url')
}
