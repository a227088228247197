import type { DpopNonceSource } from '../dpop/dpop-nonce.ts'
import type { ReplayCache } from '../dpop/replay-cache.ts'
import type { AuthErrorCode, AuthFailureReason } from '../errors/auth-failures.ts'
import type { RequestLike } from '../request/request-like.ts'

/** Options of `createTokenVerifier`. Checked once at start-up; bad values throw a TypeError. */
export interface TokenVerifierOptions {
  /** The authorization server's issuer identifier, exactly as in its tokens (S-02). */
  issuer: string
  /** This API's identifier (resource indicator); tokens must list it in `aud` (S-03). */
  audience: string
  /** Token signing algorithms this API accepts (S-04); default ES256, RS256, PS256, EdDSA. */
  algorithms?: readonly string[]
  /** Leeway for `exp`, `nbf` and the DPoP `iat`, in seconds (S-05); default 5. */
  clockToleranceSeconds?: number
  /** Scopes every token must carry; otherwise 403 `insufficient_scope`. Default none. */
  requiredScopes?: readonly string[]
  /** `realm` of the `WWW-Authenticate` challenges; default none. */
  realm?: string
  /** JWKS URL; default the `jwks_uri` of the issuer's discovery document (S-07). */
  jwksUri?: string
  /** Least time between two JWKS fetches for an unknown `kid`, in seconds; default 30. */
  jwksCooldownSeconds?: number
  /** Refetch the JWKS when older than this, in seconds; default 600. */
  jwksMaxAgeSeconds?: number
  /** Accept opaque tokens by RFC 7662 introspection (S-10..S-13); default off. */
  introspection?: IntrospectionOptions
  /** DPoP settings (S-20..S-23); `false` accepts Bearer only. Default: both schemes. */
  dpop?: DpopOptions | false
  /**
   * The URL clients use to reach this API (S-20), because behind a proxy the request URL is
   * an internal one and the `Host` header is the caller's to choose. A string is the public
   * origin plus optional base path (`https://api.example.com/v1`), the request path is
   * appended; a function returns the full public URL of the request. Required with DPoP.
   */
  publicUrl?: string | ((request: RequestLike) => string)
  /** `fetch` for discovery, JWKS and introspection; default the global one. */
  fetch?: typeof fetch
  /** Timeout of each call to the authorization server, in milliseconds; default 5000. */
  timeoutMs?: number
  /** Clock in milliseconds; default `Date.now`. For tests. */
  now?: () => number
  /** Allow plain `http:` to a non-loopback authorization server. Never in production. */
  allowInsecureRequests?: boolean
  /** Called for every refused request (S-32); default `console.warn` of the event. */
  onFailure?: (event: AuthFailureEvent) => void
}

/** How the API authenticates to the introspection endpoint and caches the answers. */
export interface IntrospectionOptions {
  /** The API's own client id at the authorization server (S-10). */
  clientId: string
  /** The API's client secret. */
  clientSecret: string
  /** Default `client_secret_basic`. */
  authMethod?: 'client_secret_basic' | 'client_secret_post'
  /** Default the `introspection_endpoint` of the discovery document. */
  endpoint?: string
  /** Longest time an answer is reused, in seconds (never past `exp`, S-12); default 30. */
  cacheTtlSeconds?: number
  /** Most cached answers; default 10 000. */
  cacheMaxEntries?: number
}

/** DPoP settings (RFC 9449). */
export interface DpopOptions {
  /** Refuse the Bearer scheme altogether; default false. */
  required?: boolean
  /** Proof algorithms accepted; default ES256, PS256, RS256, EdDSA, Ed25519. */
  algorithms?: readonly string[]
  /** How old a proof's `iat` may be, in seconds; default 60. */
  proofMaxAgeSeconds?: number
  /** Where proof `jti`s are remembered (S-22); default in memory, one instance only. */
  replayCache?: ReplayCache
  /** Require server nonces in proofs (S-23); default none. */
  nonce?: DpopNonceSource
}

/** One refused request, for logs. Carries no token, proof or query string. */
export interface AuthFailureEvent {
  readonly reason: AuthFailureReason
  readonly code: AuthErrorCode
  readonly status: number
  readonly method: string
  /** The request path without the query. */
  readonly path: string
  /** The caller, when the token was valid (403). */
  readonly sub?: string
  readonly clientId?: string
}
