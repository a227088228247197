import type { Permissions, Subject } from './permissions.ts'
import type { SessionState } from './session-state.ts'

/** Options of `createCoatcheck()`, checked once when the client is created. */
export interface CoatcheckOptions<A = undefined> {
  /** Where Coatcheck answers: `https://bff.example.com`, or a path such as `/` in a page. */
  baseUrl: string
  /** The static anti-CSRF header Coatcheck requires; `x-csrf: 1` unless configured otherwise. */
  csrfHeader?: { name: string; value: string }
  /** The `fetch` to send requests with; the global one by default. */
  fetch?: typeof fetch
  /** The BroadcastChannel the tabs of this origin share; `coatcheck` by default. */
  broadcastChannelName?: string
  /** Follow `GET /auth/events` while authenticated (default `true`). */
  events?: boolean
  /** A permissions engine for `can()`, e.g. `casl()` from `@coatcheck/client/permissions`. */
  permissions?: Permissions<A>
}

export interface LoginOptions {
  /** Where to come back to after login; the current page by default. Coatcheck validates it. */
  returnTo?: string
  /** OpenID Connect `prompt`, e.g. `login` or `create`. */
  prompt?: string
  /** OpenID Connect `login_hint`: the username to pre-fill. */
  loginHint?: string
}

export interface LogoutOptions {
  /** Where the identity provider sends the browser after logout; Coatcheck's default otherwise. */
  returnTo?: string
}

/** The browser SDK: a subscribable session store plus the calls that change it. */
export interface Coatcheck<A = undefined> {
  /** The current state; the same object until it changes. */
  getSnapshot(): SessionState
  /** Calls `listener` after every change. The first subscriber starts the client. */
  subscribe(listener: () => void): () => void
  /** Asks `GET /auth/session` again; resolves with the state that follows. Never rejects. */
  refresh(): Promise<SessionState>
  /** Navigates to `GET /auth/login`; a top-level navigation, since the IdP's page must show. */
  login(options?: LoginOptions): void
  /** `POST /auth/logout`, tells the other tabs, then navigates to the IdP's logout URL. */
  logout(options?: LogoutOptions): Promise<void>
  /**
   * `fetch` to Coatcheck: relative URLs resolve against `baseUrl`, the cookie and the
   * anti-CSRF header go along. A 401 `unauthenticated` moves the state to `ended` (and every
   * tab with it) before the response is returned as it is; it never throws for a status.
   */
  fetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response>
  /** What the session's permissions allow; `false` without a permissions engine or session. */
  can(action: string, subject: Subject, field?: string): boolean
  /** The permissions engine's object (the CASL ability with `casl()`), `undefined` without. */
  readonly ability: A
  /** Stops the events stream and cross-tab sync, and drops every listener. */
  close(): void
}
