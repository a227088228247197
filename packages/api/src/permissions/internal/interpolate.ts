import type { Caller } from '../caller.ts'

/** Marks a placeholder that names nothing: the rule holding it must fail closed. */
export const UNRESOLVED = Symbol('unresolved placeholder')

const WHOLE = /^\$\{user\.([A-Za-z0-9_.-]+)\}$/
const EMBEDDED = /\$\{user\.([A-Za-z0-9_.-]+)\}/g
// Path segments that would walk into prototypes instead of claims.
const FORBIDDEN = new Set(['__proto__', 'prototype', 'constructor'])

/**
 * Fills `${user.…}` placeholders in rule conditions with the caller's values. Only strings,
 * numbers, booleans and lists of them are filled in: a claim holding an object such as
 * `{ "$ne": null }` would otherwise turn "authorId is me" into "any author" (operator
 * injection). Returns {@link UNRESOLVED} when a placeholder names nothing usable.
 */
export function interpolate(value: unknown, caller: Caller): unknown {
  if (typeof value === 'string') return interpolateString(value, caller)
  if (Array.isArray(value)) return collect(value.map((item) => interpolate(item, caller)))
  if (!isPlainObject(value)) return value
  const entries = Object.entries(value).map(([key, item]) => [key, interpolate(item, caller)])
  if (entries.some(([, item]) => item === UNRESOLVED)) return UNRESOLVED
  return Object.fromEntries(entries)
}

function interpolateString(value: string, caller: Caller): unknown {
  const whole = WHOLE.exec(value)
  if (whole !== null) return resolve(caller, whole[1] ?? '')
  let unresolved = false
  const result = value.replace(EMBEDDED, (_match, path: string) => {
    const resolved = resolve(caller, path)
    if (resolved === UNRESOLVED || Array.isArray(resolved)) unresolved = true
    return String(resolved)
  })
  return unresolved ? UNRESOLVED : result
}

function resolve(caller: Caller, path: string): unknown {
  let current: unknown = caller
  for (const segment of path.split('.')) {
    if (FORBIDDEN.has(segment) || typeof current !== 'object' || current === null) return UNRESOLVED
    if (!Object.hasOwn(current, segment)) return UNRESOLVED
    current = (current as Record<string, unknown>)[segment]
  }
  if (isScalar(current)) return current
  if (Array.isArray(current) && current.every(isScalar)) return [...current]
  return UNRESOLVED
}

function isPlainObject(value: unknown): value is object {
  if (typeof value !== 'object' || value === null) return false
  const prototype = Object.getPrototypeOf(value)
  return prototype === Object.prototype || prototype === null
}

function isScalar(value: unknown): value is string | number | boolean {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean'
}

function collect(items: unknown[]): unknown {
  return items.includes(UNRESOLVED) ? UNRESOLVED : items
}
