import { base64url } from 'jose'
import type { AccessTokenClaims } from '../verifier/access-token-claims.ts'

/** Remembers successful introspections for a short while. */
export interface IntrospectionCache {
  get(token: string): Promise<AccessTokenClaims | undefined>
  set(token: string, claims: AccessTokenClaims): Promise<void>
}

/** Options of {@link createIntrospectionCache}. */
export interface IntrospectionCacheOptions {
  readonly ttlSeconds: number
  readonly maxEntries: number
  readonly now: () => number
}

/**
 * An in-memory cache of active introspection answers (S-12): kept for at most `ttlSeconds`
 * and never past the token's `exp`. A short TTL bounds how long a revoked token still
 * works here. Keys are SHA-256 hashes, so a heap dump holds no usable token. Only
 * answers that passed every check are cached; refusals are asked again each time.
 * @see https://www.rfc-editor.org/rfc/rfc7662#section-4
 */
export function createIntrospectionCache(options: IntrospectionCacheOptions): IntrospectionCache {
  const entries = new Map<string, { claims: AccessTokenClaims; expiresAt: number }>()
  return {
    async get(token) {
      const key = await hashToken(token)
      const entry = entries.get(key)
      if (entry === undefined) return undefined
      if (entry.expiresAt > options.now()) return entry.claims
      entries.delete(key)
      return undefined
    },
    async set(token, claims) {
      const expiresAt = Math.min(options.now() + options.ttlSeconds * 1000, claims.exp * 1000)
      if (options.ttlSeconds === 0 || expiresAt <= options.now()) return
      // Evicting the oldest answer only costs one more introspection later.
      if (entries.size >= options.maxEntries) entries.delete(entries.keys().next().value ?? '')
      entries.set(await hashToken(token), { claims, expiresAt })
    },
  }
}

async function hashToken(token: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(token))
  return base64url.encode(new Uint8Array(digest))
}
