/** A permission subject: a type name (`'Article'`) or an object of that type. */
export type Subject = string | object

/**
 * What `createCoatcheck({ permissions })` needs from a permissions engine. The SDK feeds it
 * the rules `GET /auth/session` carries and asks it `can()`. `casl()` from
 * `@coatcheck/client/permissions` is the one shipped; it lives in its own entry so an app
 * without permissions does not bundle CASL.
 */
export interface Permissions<A = unknown> {
  /** The engine's own object, exposed as `client.ability` (a CASL ability for `casl()`). */
  readonly ability: A
  /** Replaces every rule with `permissions.rules` of `/auth/session` (`undefined`: none). */
  update(rules: unknown): void
  can(action: string, subject: Subject, field?: string): boolean
}
