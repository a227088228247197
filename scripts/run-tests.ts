// Runs every `node:test` file of the workspace: unit tests beside the source and
// integration tests under `packages/<pkg>/test/`. Pass paths to run a subset:
// `npm run test:node -- packages/core`.
import { spawnSync } from 'node:child_process'
import { readdirSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'

const root = join(import.meta.dirname, '..')
const roots =
  process.argv.slice(2).length > 0 ? process.argv.slice(2) : ['packages', 'examples', 'bench']

function findTests(dir: string): string[] {
  const found: string[] = []
  for (const entry of readdirSync(dir)) {
    if (entry === 'node_modules' || entry.startsWith('.')) continue
    const path = join(dir, entry)
    if (statSync(path).isDirectory()) found.push(...findTests(path))
    else if (entry.endsWith('.test.ts')) found.push(relative(root, path))
  }
  return found
}

const files = roots.flatMap((dir) => {
  const path = join(root, dir)
  return statSync(path).isDirectory() ? findTests(path) : [relative(root, path)]
})
if (files.length === 0) {
  console.error(`no test files under ${roots.join(', ')}`)
  process.exit(1)
}

const result = spawnSync(
  process.execPath,
  ['--test', '--test-concurrency=3', '--test-timeout=120000', ...files.sort()],
  { cwd: root, stdio: 'inherit' },
)
process.exit(result.status ?? 1)
