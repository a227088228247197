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
  /**
   * Access tokens for other audiences or narrower scopes than the login's, keyed by
   * audience and scopes (RFC 8707, P-08). Obtained with the session's refresh token.
   */
  readonly audienceTokens?: Readonly<Record<string, AccessToken>>
  /**
   * The rules of the permissions endpoint of a route (`routes[].permissions`), as served by
   * `/session`, cached for the tokens of `version`: a refresh makes them stale.
   */
  readonly permissions?: { readonly version: number; readonly rules: unknown }
  /**
   * 1 at login, +1 on every token refresh: the compare-and-set version of
   * `SessionStore.update`, so two refreshers can never both win.
   */
  readonly version: number
  /** Epoch milliseconds of the login. */
  readonly createdAt: number
  /** Epoch milliseconds of the last request that used the session (idle timeout, C-12). */
  readonly lastSeenAt: number
  /** Epoch milliseconds after which the session ends whatever happens (absolute timeout). */
  readonly expiresAt: number
  /** Browser and OS family at login, e.g. "Firefox on Linux", for the session list. */
  readonly userAgent?: string
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

/** One access token and what the IdP said of it. */
export interface AccessToken {
  readonly value: string
  /** `Bearer` or `DPoP`. */
  readonly type: string
  /** Epoch seconds, when the IdP said. */
  readonly expiresAt?: number
}
