/**
 * Where DPoP proof identifiers are remembered for their acceptance window, so a captured
 * proof cannot be sent again (S-22). Share one store (Redis `SET key 1 NX EX ttl`) across
 * instances of the API, or a replay to another instance succeeds.
 * @see https://www.rfc-editor.org/rfc/rfc9449#section-11.1
 */
export interface ReplayCache {
  /**
   * Records `key` for `ttlSeconds` unless it is already recorded. Resolves `true` the first
   * time a key is seen and `false` for every later sighting within the TTL (a replay).
   */
  seenOnce(key: string, ttlSeconds: number): Promise<boolean>
}

/** Options of {@link createMemoryReplayCache}. */
export interface MemoryReplayCacheOptions {
  /** Most keys kept at once; default 100 000. */
  maxEntries?: number
  /** Clock in milliseconds; default `Date.now`. */
  now?: () => number
}

/**
 * An in-process {@link ReplayCache}: right for one instance, wrong behind a load balancer.
 * When full of unexpired keys it refuses new proofs rather than forget old ones, because
 * forgetting would re-open the window for a replay (fail closed).
 */
export function createMemoryReplayCache(options: MemoryReplayCacheOptions = {}): ReplayCache {
  const maxEntries = options.maxEntries ?? 100_000
  const now = options.now ?? Date.now
  const expiries = new Map<string, number>()

  const sweep = (time: number): void => {
    for (const [key, expiresAt] of expiries) if (expiresAt <= time) expiries.delete(key)
  }

  return {
    async seenOnce(key, ttlSeconds) {
      const time = now()
      const expiresAt = expiries.get(key)
      if (expiresAt !== undefined && expiresAt > time) return false
      if (expiries.size >= maxEntries) sweep(time)
      if (expiries.size >= maxEntries) return false
      expiries.set(key, time + ttlSeconds * 1000)
      return true
    },
  }
}
