import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { AUTH_ERROR_CODES, AUTH_FAILURE_REASONS } from './auth-failures.ts'

// Rows of the errors table in the README: | `code` | status | when |
const ROW = /^\|\s*`([a-z_]+)`\s*\|\s*(\d{3})\s*\|/

describe('error codes', () => {
  const readme = readFileSync(join(import.meta.dirname, '../../README.md'), 'utf8')
  const documented = new Map(
    readme
      .split('\n')
      .map((line) => ROW.exec(line))
      .filter((match) => match !== null)
      .map((match) => [match[1] ?? '', Number(match[2])]),
  )

  it('are each documented in the README with their status, and no others', () => {
    const expected = Object.entries(AUTH_ERROR_CODES).map(([code, { status }]) => [code, status])
    assert.deepEqual([...documented].sort(), expected.sort())
  })

  it('are each reachable from some failure reason', () => {
    const reachable = new Set(Object.values(AUTH_FAILURE_REASONS))
    assert.deepEqual(
      Object.keys(AUTH_ERROR_CODES).filter((code) => !reachable.has(code as never)),
      [],
    )
  })
})
