/**
 * `@coatcheck/dev-idp`: a development OpenID Provider built on oidc-provider, preset to best
 * practice, with seeded users, its own login page and HTTP drivers for browserless tests.
 * For development and tests only.
 */
export { startDevIdp, type DevIdp } from './dev-idp.ts'
export type { ClientMetadata, DevApi, DevIdpOptions, DevIdpTtl } from './options.ts'
export { DEFAULT_USERS_FILE, type DevUser } from './users.ts'
export { hashPassword, verifyPassword } from './password.ts'
export { signIn, signOut } from './sign-in.ts'
export { createIdpBrowserSession, type IdpBrowserSession } from './browser-session.ts'
export { DevIdpError, type DevIdpErrorCode } from './errors.ts'
export type { GrantRecord } from './internal/issuance-log.ts'
export { recordForSweep, type SweepKind } from './internal/sweep-file.ts'
