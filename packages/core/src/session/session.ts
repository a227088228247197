/**
 * A logged-in browser's state, held server-side (or sealed in cookies by the cookie store).
 * It carries the tokens; nothing in it may be sent to the browser except the allowlisted
 * claims served by `/session` (C-14).
 */
export interface Session {
  /** Random 128-bit base64url id, new on every login (L-19). Never derived from the browser. */
  readonly id: string
  /** Issuer the session was created with. */
  readonly issuer: string
  /** `sub` of the ID token. */
  readonly sub: string
  /** `sid` of the ID token, for back-channel logout, when the IdP sent one. */
  readonly sid?: string
  /** Validated ID-token claims. Only the configured allowlist is ever shown to the SPA. */
  readonly claims: Readonly<Record<string, unknown>>
  /** The tokens. Never leave the server. */
  readonly tokens: TokenSet
  /** Epoch milliseconds of the login. */
  readonly createdAt: number
  /** Epoch milliseconds of the last request that used the session (idle timeout, C-12). */
  readonly lastSeenAt: number
  /** Epoch milliseconds after which the session ends whatever happens (absolute timeout). */
  readonly expiresAt: number
}

/** Tokens of a session, as the identity provider issued them. */
export interface TokenSet {
  readonly accessToken: string
  /** `Bearer` or `DPoP`. */
  readonly tokenType: string
  /** Epoch seconds at which the access token expires, when the IdP said. */
  readonly accessTokenExpiresAt?: number
  readonly refreshToken?: string
  readonly idToken?: string
  readonly scope?: string
}
