// Runs every `node:test` file of the workspace: unit tests beside the source and
// integration tests under `packages/<pkg>/test/`. Pass paths to run a subset:
// `npm run test:node -- packages/core`. Then sweeps the log lines of the run for secrets.
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { sweepLogs } from './log-sweep.ts'

const root = join(import.meta.dirname, '..')
// A full run must sweep lines from every suite that runs the engine or a gateway for real:
// the core flows, the server, the server on Redis, and the demo driven through Chromium.
const REQUIRED_SUITES = [
  'packages/core/test/',
  'packages/server/test/',
  'packages/server/test/redis-',
  'examples/demo/test/',
]
const args = process.argv.slice(2)
const roots = args.length > 0 ? args : ['packages', 'examples', 'scripts', 'bench']

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

// Gateways append their log lines to COATCHECK_LOG_FILE, the dev IdP and the test clients
// every token, code, client secret and cookie value to COATCHECK_SWEEP_SECRETS_FILE.
const sweepDir = mkdtempSync(join(tmpdir(), 'coatcheck-log-sweep-'))
const logFile = join(sweepDir, 'logs.jsonl')
const secretsFile = join(sweepDir, 'secrets.jsonl')
const result = spawnSync(
  process.execPath,
  ['--test', '--test-concurrency=3', '--test-timeout=120000', ...files.sort()],
  {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, COATCHECK_LOG_FILE: logFile, COATCHECK_SWEEP_SECRETS_FILE: secretsFile },
  },
)
const swept = sweepLogs(logFile, secretsFile)
rmSync(sweepDir, { recursive: true, force: true })

const suites = [...swept.linesByEntry].map(([entry, count]) => `${entry} (${count})`)
console.log(
  `log sweep: ${swept.secretCount} secrets looked for in the log lines of ${suites.length} ` +
    `test files: ${suites.join(', ') || 'none'}`,
)
for (const finding of swept.findings) {
  console.error(
    `log sweep: a ${finding.kind} appears in log line ${finding.line}, written by ${finding.entry}`,
  )
}
const expected = args.length > 0 ? [] : REQUIRED_SUITES
const missing = expected.filter(
  (suite) => ![...swept.linesByEntry.keys()].some((entry) => entry.startsWith(suite)),
)
for (const suite of missing) console.error(`log sweep: no log line came from ${suite}`)
const clean = swept.findings.length === 0 && missing.length === 0
process.exit(result.status === 0 && clean ? 0 : 1)
