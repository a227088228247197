import { randomBytes } from 'node:crypto'
import type { Session } from '../../src/session/session.ts'

/** Random base64url text of `length` characters. */
function randomText(length: number): string {
  return randomBytes(Math.ceil((length * 3) / 4))
    .toString('base64url')
    .slice(0, length)
}

/** A JWT-shaped string of `length` characters: header, payload, 86-character signature. */
function fakeJwt(length: number): string {
  return `${randomText(36)}.${randomText(length - 36 - 86 - 2)}.${randomText(86)}`
}

/**
 * A session as a login creates it, with tokens of realistic sizes (a 900-character access
 * token, a 1,000-character ID token) that are random, so a test can search raw storage
 * for them.
 */
export function createTestSession(overrides: Partial<Session> = {}): Session {
  const now = Date.now()
  return {
    id: randomText(22),
    issuer: 'https://idp.example',
    sub: 'alice',
    sid: randomText(16),
    claims: { sub: 'alice', name: 'Alice Example', email: 'alice@example.com' },
    tokens: {
      accessToken: fakeJwt(900),
      tokenType: 'Bearer',
      accessTokenExpiresAt: Math.floor(now / 1000) + 300,
      refreshToken: randomText(43),
      idToken: fakeJwt(1000),
      scope: 'openid profile email offline_access',
    },
    version: 1,
    createdAt: now,
    lastSeenAt: now,
    expiresAt: now + 8 * 3_600_000,
    ...overrides,
  }
}

/** Sorted copy, for comparing results whose order the contract leaves open. */
export function sorted(values: readonly string[]): string[] {
  return [...values].sort()
}
