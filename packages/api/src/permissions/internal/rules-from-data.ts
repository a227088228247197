import type { MongoAbility, RawRuleOf } from '@casl/ability'
import type { Caller } from '../caller.ts'
import type { PermissionRule, PolicyData } from '../permission-policy.ts'

/**
 * The CASL rules a data policy gives a caller: `everyone`, then the caller's roles, then
 * the caller's scopes; every `can` first and every `cannot` after, so a `cannot` always wins.
 */
export function rulesFromData(policy: PolicyData, caller: Caller): RawRuleOf<MongoAbility>[] {
  const granted = [
    ...(policy.everyone ?? []),
    ...sectionRules(policy.roles, caller.roles),
    ...sectionRules(policy.scopes, caller.scope),
  ]
  const rules = granted.map(toRawRule)
  return [...rules.filter((rule) => !rule.inverted), ...rules.filter((rule) => rule.inverted)]
}

function sectionRules(
  section: Readonly<Record<string, readonly PermissionRule[]>> | undefined,
  held: readonly string[],
): readonly PermissionRule[] {
  if (section === undefined) return []
  // Own keys only: a role named `constructor` must not reach Object.prototype.
  return Object.entries(section).flatMap(([name, rules]) => (held.includes(name) ? rules : []))
}

function toRawRule(rule: PermissionRule): RawRuleOf<MongoAbility> {
  return {
    action: rule.action as string | string[],
    subject: rule.subject as string | string[],
    ...(rule.conditions === undefined ? {} : { conditions: rule.conditions }),
    ...(rule.fields === undefined ? {} : { fields: rule.fields as string | string[] }),
    ...(rule.inverted === true ? { inverted: true } : {}),
    ...(rule.reason === undefined ? {} : { reason: rule.reason }),
  }
}
