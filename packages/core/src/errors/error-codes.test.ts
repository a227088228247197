import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { ERROR_CODES } from './coatcheck-error.ts'

// Rows of the table in docs/errors.md: | `code` | status | meaning | what to do |
const ROW = /^\|\s*`([^`]+)`\s*\|\s*(\d{3})\s*\|/

function readDocumentedCodes(): Map<string, number> {
  const doc = readFileSync(join(import.meta.dirname, '../../../../docs/errors.md'), 'utf8')
  const documented = new Map<string, number>()
  for (const line of doc.split('\n')) {
    const match = ROW.exec(line)
    if (match?.[1] === undefined || match[2] === undefined) continue
    assert.equal(documented.has(match[1]), false, `docs/errors.md lists \`${match[1]}\` twice`)
    documented.set(match[1], Number(match[2]))
  }
  return documented
}

describe('docs/errors.md', () => {
  const documented = readDocumentedCodes()

  it('documents every error code', () => {
    const missing = Object.keys(ERROR_CODES).filter((code) => !documented.has(code))
    assert.deepEqual(missing, [], `add to docs/errors.md: ${missing.join(', ')}`)
  })

  it('documents no code that does not exist', () => {
    const unknown = [...documented.keys()].filter((code) => !Object.hasOwn(ERROR_CODES, code))
    assert.deepEqual(unknown, [], `remove from docs/errors.md: ${unknown.join(', ')}`)
  })

  it('gives each code the status it has in ERROR_CODES', () => {
    const wrong = Object.entries(ERROR_CODES)
      .filter(([code, entry]) => documented.has(code) && documented.get(code) !== entry.status)
      .map(([code, entry]) => `${code} is ${entry.status}`)
    assert.deepEqual(wrong, [], `fix the status in docs/errors.md: ${wrong.join(', ')}`)
  })
})
