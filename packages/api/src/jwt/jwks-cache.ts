import { createLocalJWKSet, errors, type JWTVerifyGetKey } from 'jose'
import { AuthFailure } from '../errors/internal/auth-failure.ts'
import { fetchJson, type ServerCallOptions } from '../discovery/fetch-json.ts'

/** What the JWKS cache needs. */
export interface JwksCacheOptions extends ServerCallOptions {
  /** Resolves the JWKS URL (configured, or the discovered `jwks_uri`). */
  readonly jwksUri: () => Promise<string>
  readonly cooldownMs: number
  readonly maxAgeMs: number
  readonly now: () => number
}

/**
 * A key resolver for `jwtVerify` over the authorization server's JWKS (S-07): fetched on
 * first use, kept for `maxAgeMs`, refetched once on an unknown `kid` but never twice within
 * `cooldownMs`, so a flood of tokens with random `kid`s cannot turn the API into a
 * cannon aimed at the IdP. Keys come only from the configured or discovered URL; a token's
 * `jku`, `x5u` or `jwk` header is never looked at (RFC 8725 §3.10: attacker-chosen keys).
 * @see https://www.rfc-editor.org/rfc/rfc8725#section-3.10
 */
export function createJwksCache(options: JwksCacheOptions): JWTVerifyGetKey {
  let keys: KeySet | undefined
  let lastAttemptAt = Number.NEGATIVE_INFINITY
  let pending: Promise<KeySet> | undefined

  const coolingDown = () => options.now() - lastAttemptAt < options.cooldownMs

  const reload = (): Promise<KeySet> => {
    pending ??= (async () => {
      lastAttemptAt = options.now()
      const jwks = await fetchJson(options, await options.jwksUri())
      try {
        keys = { select: createLocalJWKSet(jwks as never), fetchedAt: options.now() }
      } catch (cause) {
        throw new AuthFailure('idp_unavailable', { cause })
      }
      return keys
    })().finally(() => {
      pending = undefined
    })
    return pending
  }

  const current = async (): Promise<KeySet> => {
    if (keys !== undefined && options.now() - keys.fetchedAt < options.maxAgeMs) return keys
    // Concurrent first requests share the one fetch under way.
    if (pending !== undefined) return pending
    // Without any keys, a failed fetch is retried only after the cooldown too.
    if (keys === undefined && coolingDown()) {
      throw new AuthFailure('idp_unavailable', { cause: new Error('JWKS fetch cooling down') })
    }
    return reload()
  }

  return async (header, token) => {
    const set = await current()
    try {
      return await set.select(header, token)
    } catch (error) {
      if (!(error instanceof errors.JWKSNoMatchingKey) || coolingDown()) throw error
      // Key rotation: the IdP may have published a new key since the last fetch.
      return (await reload()).select(header, token)
    }
  }
}

interface KeySet {
  readonly select: JWTVerifyGetKey
  readonly fetchedAt: number
}
