import { subject as tagSubject, type MongoAbility } from '@casl/ability'
import { permittedFieldsOf } from '@casl/ability/extra'

/**
 * Keeps only the fields of `record` the ability allows for `action` (S-31): use it on what
 * a handler returns (`read`) and on what it writes (`update`, `create`), so field rules
 * filter both directions. A rule without `fields` allows every field of the record.
 * @see https://casl.js.org/v6/en/guide/restricting-fields
 */
export function pickPermittedFields<T extends Record<string, unknown>>(
  ability: MongoAbility,
  action: string,
  subjectType: string,
  record: T,
): Partial<T> {
  const tagged = tagSubject(subjectType, { ...record })
  const allowed = new Set(
    permittedFieldsOf(ability, action, tagged, {
      fieldsFrom: (rule) => rule.fields ?? Object.keys(record),
    }),
  )
  return Object.fromEntries(
    Object.entries(record).filter(([field]) => allowed.has(field)),
  ) as Partial<T>
}
