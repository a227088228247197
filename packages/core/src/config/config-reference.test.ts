import { it } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { renderConfigReference } from './config-reference.ts'

it('keeps docs/configuration.md in step with the schema (run `npm run docs:config`)', () => {
  const path = join(import.meta.dirname, '..', '..', '..', '..', 'docs', 'configuration.md')
  assert.equal(readFileSync(path, 'utf8'), renderConfigReference())
})
