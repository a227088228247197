import { hash } from 'node:crypto'

/**
 * Base64url SHA-256. Session ids are cookie values and lock keys embed them, so Redis
 * holds only their hashes: a dump cannot be turned into a working session cookie. Index
 * keys hash issuer and sub too, so key names carry no personal data.
 */
export function digest(text: string): string {
  return hash('sha256', text, 'base64url')
}

/** Names of every key the store writes; documented in the package README. */
export interface KeyLayout {
  /** Hash of one session: `version`, `data` (sealed), `sidIndex`, `subIndex`. */
  session(sessionIdDigest: string): string
  /** Sorted set of session-id digests, scored by when each session expires at the latest. */
  sidIndex(pairDigest: string): string
  subIndex(pairDigest: string): string
  /** Sorted set of every session-id digest, scored by when its session expires: `count`. */
  live: string
  lock(key: string): string
  seen(key: string): string
  /** Pub/sub channel of ended sessions. */
  sessionEnded: string
}

/** The layout under `prefix`. Every script touches one key, so no hash tags are needed. */
export function createKeyLayout(prefix: string): KeyLayout {
  return {
    session: (idDigest) => `${prefix}s:${idDigest}`,
    sidIndex: (pairDigest) => `${prefix}sid:${pairDigest}`,
    subIndex: (pairDigest) => `${prefix}sub:${pairDigest}`,
    live: `${prefix}live`,
    lock: (key) => `${prefix}lock:${digest(key)}`,
    seen: (key) => `${prefix}seen:${digest(key)}`,
    sessionEnded: `${prefix}session-ended`,
  }
}

/**
 * Digest of an `(issuer, value)` pair. JSON keeps the pair unambiguous: with a separator,
 * issuer `a|b` + sub `c` and issuer `a` + sub `b|c` would share an index entry, and one
 * user's logout could end another's sessions.
 */
export function pairDigest(kind: 'sid' | 'sub', issuer: string, value: string): string {
  return digest(JSON.stringify([kind, issuer, value]))
}
