/**
 * `@coatcheck/client/permissions`: `can()` over the CASL rules that `GET /auth/session`
 * carries. A separate entry so that an app without permissions never bundles CASL.
 */
import {
  createMongoAbility,
  subject,
  type AbilityOptions,
  type AbilityTuple,
  type MongoAbility,
  type MongoQuery,
  type RawRuleFrom,
} from '@casl/ability'
import { unpackRules, type PackRule } from '@casl/ability/extra'
import type { Permissions } from './permissions.ts'

/** Options of the CASL ability, e.g. `detectSubjectType` for plain JSON objects. */
export type CaslOptions = AbilityOptions<AbilityTuple, MongoQuery>

type PackedRule = PackRule<RawRuleFrom<AbilityTuple, MongoQuery>>
type CaslSubject = Parameters<MongoAbility['can']>[1]

/**
 * A CASL permissions engine for `createCoatcheck({ permissions: casl() })`. The ability is
 * empty (everything denied) until a session brings rules, and again once it ends. It decides
 * what the UI shows; the API still enforces every rule itself.
 */
export function casl(options?: CaslOptions): Permissions<MongoAbility> {
  const ability = createMongoAbility<AbilityTuple, MongoQuery>([], options)
  return {
    ability,
    update(rules) {
      ability.update(Array.isArray(rules) ? unpackRules(rules as PackedRule[]) : [])
    },
    can: (action, target, field) => ability.can(action, target as CaslSubject, field),
  }
}

/** CASL's `subject('Article', article)`: tags a plain JSON object with its subject type. */
export { subject }
