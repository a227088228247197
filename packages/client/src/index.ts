/**
 * `@coatcheck/client`: the browser SDK of Coatcheck. Session state as a subscribable store,
 * login/logout, a `fetch` that carries the session cookie and the anti-CSRF header, the
 * `/auth/events` stream and cross-tab sync. It never sees a token. Permissions (`can()`) plug
 * in from `@coatcheck/client/permissions`.
 */
export { createCoatcheck } from './create-coatcheck.ts'
export type { Coatcheck, CoatcheckOptions, LoginOptions, LogoutOptions } from './coatcheck.ts'
export type { SessionEndReason, SessionState, SessionStatus, SessionUser } from './session-state.ts'
export { CoatcheckClientError, type ClientErrorCode } from './coatcheck-client-error.ts'
export type { Permissions, Subject } from './permissions.ts'
