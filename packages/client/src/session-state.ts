import type { CoatcheckClientError } from './coatcheck-client-error.ts'

/**
 * The claims Coatcheck lets the SPA see (its `session.claims` allowlist). Never a token: the
 * tokens stay on the server, which is the whole point of a Backend-for-Frontend.
 */
export interface SessionUser {
  sub: string
  name?: string
  email?: string
  roles?: string[]
  [claim: string]: unknown
}

/**
 * Why a session ended. `'logout'`: logged out in another tab. `'unauthenticated'`: Coatcheck
 * answered 401 to a request (expired, revoked, logged out elsewhere). Any other value is the
 * `reason` of a server-sent `session-ended` event, such as `'expired'` or `'revoked'`.
 */
export type SessionEndReason = 'logout' | 'unauthenticated' | (string & {})

/**
 * What the SDK knows about the session, as an immutable snapshot. The same object is returned
 * until something changes, so it can feed `useSyncExternalStore` directly.
 *
 * - `loading`: before the first answer of `GET /auth/session`.
 * - `authenticated`: a session exists; `expiresAt` is in epoch milliseconds.
 * - `anonymous`: no session (never had one on this page, or logged out here).
 * - `ended`: this page had a session and lost it; see `reason`.
 * - `error`: Coatcheck could not be asked (network down, unexpected answer).
 */
export type SessionState =
  | { readonly status: 'loading' }
  | {
      readonly status: 'authenticated'
      readonly user: Readonly<SessionUser>
      readonly expiresAt: number
    }
  | { readonly status: 'anonymous' }
  | { readonly status: 'ended'; readonly reason: SessionEndReason }
  | { readonly status: 'error'; readonly error: CoatcheckClientError }

/** Every `status` a `SessionState` can have. */
export type SessionStatus = SessionState['status']
