import type { AbilityBuilder, MongoAbility, MongoQuery } from '@casl/ability'
import type { Caller } from './caller.ts'

/**
 * A policy as code: called with the caller and CASL's `can`/`cannot`, once per request.
 * Conditions may use `'${user.sub}'`-style placeholders (`user.sub`, `user.roles`,
 * `user.scope`, `user.claims.<name>`), which are filled from the caller's claims.
 * Later rules win over earlier ones, as in CASL.
 * @see https://casl.js.org/v6/en/guide/define-rules
 */
export type PolicyFunction = (
  caller: Caller,
  can: AbilityBuilder<MongoAbility>['can'],
  cannot: AbilityBuilder<MongoAbility>['cannot'],
) => void

/** One rule of a data policy. */
export interface PermissionRule {
  readonly action: string | readonly string[]
  readonly subject: string | readonly string[]
  /** MongoDB-style conditions on the record; placeholders allowed. */
  readonly conditions?: MongoQuery
  /** Field-level rule: only these fields (S-31). */
  readonly fields?: string | readonly string[]
  /** A `cannot` rule. */
  readonly inverted?: boolean
  readonly reason?: string
}

/**
 * A policy as data (JSON-friendly): rules for everyone, per role and per scope. Every
 * `cannot` rule wins over every `can` rule, whatever the order of the sections.
 */
export interface PolicyData {
  readonly everyone?: readonly PermissionRule[]
  readonly roles?: Readonly<Record<string, readonly PermissionRule[]>>
  readonly scopes?: Readonly<Record<string, readonly PermissionRule[]>>
}

/** A policy, as code or as data. */
export type PermissionPolicy = PolicyFunction | PolicyData
