// Writes docs/configuration.md from the config schema: `npm run docs:config`.
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { renderConfigReference } from '../packages/core/src/config/config-reference.ts'

const target = join(import.meta.dirname, '..', 'docs', 'configuration.md')
writeFileSync(target, renderConfigReference())
console.log(`wrote ${target}`)
