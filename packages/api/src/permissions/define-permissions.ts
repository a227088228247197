import {
  AbilityBuilder,
  createMongoAbility,
  type MongoAbility,
  type RawRuleOf,
} from '@casl/ability'
import { packRules, type PackRule } from '@casl/ability/extra'
import type { AccessTokenClaims } from '../verifier/access-token-claims.ts'
import { callerFromClaims, type Caller } from './caller.ts'
import { interpolate, UNRESOLVED } from './internal/interpolate.ts'
import { rulesFromData } from './internal/rules-from-data.ts'
import type { PermissionPolicy } from './permission-policy.ts'

/** Packed CASL rules as JSON, for `createMongoAbility(unpackRules(rules))` in the SPA. */
export type PackedRules = PackRule<RawRuleOf<MongoAbility>>[]

/** The permissions of an API, from one policy. */
export interface Permissions {
  /** The CASL ability of the caller holding these verified claims. */
  abilityFor(claims: AccessTokenClaims): MongoAbility
  /** The caller's rules, placeholders filled in, packed for the wire. */
  rulesFor(claims: AccessTokenClaims): PackedRules
  /**
   * Answers `GET …/my-permissions` for a verified caller: `{ rules }` as JSON, never cached.
   * The SPA uses the rules for its buttons; the API still checks every request (S-30).
   */
  myPermissionsHandler(auth: { readonly claims: AccessTokenClaims }): Response
}

/**
 * Defines an API's permissions once, as code or data, for both enforcement and the SPA
 * (S-30, S-31). Deny by default: what no rule allows is refused. Rules are rebuilt from
 * the verified claims on every call, so a new token means new permissions at once.
 * @see https://cheatsheetseries.owasp.org/cheatsheets/Authorization_Cheat_Sheet.html
 */
export function definePermissions(policy: PermissionPolicy): Permissions {
  if (typeof policy !== 'function' && (typeof policy !== 'object' || policy === null)) {
    throw new TypeError('definePermissions: the policy must be a function or a data policy')
  }
  const rulesOf = (claims: AccessTokenClaims) => {
    const caller = callerFromClaims(claims)
    return fillPlaceholders(rawRules(policy, caller), caller)
  }
  return {
    abilityFor: (claims) => createMongoAbility(rulesOf(claims)),
    rulesFor: (claims) => packRules(rulesOf(claims)),
    myPermissionsHandler: ({ claims }) =>
      Response.json(
        { rules: packRules(rulesOf(claims)) },
        // Per-caller data: no shared cache may keep it (Vary alone is not enough).
        { headers: { 'cache-control': 'no-store' } },
      ),
  }
}

function rawRules(policy: PermissionPolicy, caller: Caller): RawRuleOf<MongoAbility>[] {
  if (typeof policy !== 'function') return rulesFromData(policy, caller)
  const builder = new AbilityBuilder<MongoAbility>(createMongoAbility)
  policy(caller, builder.can, builder.cannot)
  return builder.rules
}

// Fail closed on a placeholder that names nothing: a `can` rule is dropped (it grants
// nothing), a `cannot` rule loses its conditions (it forbids everywhere).
function fillPlaceholders(
  rules: RawRuleOf<MongoAbility>[],
  caller: Caller,
): RawRuleOf<MongoAbility>[] {
  return rules.flatMap((rule) => {
    if (rule.conditions === undefined) return [rule]
    const conditions = interpolate(rule.conditions, caller)
    if (conditions !== UNRESOLVED) return [{ ...rule, conditions } as RawRuleOf<MongoAbility>]
    if (!rule.inverted) return []
    const { conditions: _dropped, ...unconditional } = rule
    return [unconditional]
  })
}
