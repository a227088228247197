import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { it } from 'node:test'
import { sweepLogs } from './log-sweep.ts'

const JWT = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJlLW9mLXRoZS10b2tlbg'
const REFRESH = 'opaque-refresh-token-0123456789'
const COOKIE = 'sealed.cookie~value.AAAAAAAAAAAAAAAAAAAA'

function sweep(lines: object[]) {
  const dir = mkdtempSync(join(tmpdir(), 'coatcheck-sweep-test-'))
  try {
    const logFile = join(dir, 'logs.jsonl')
    const secretsFile = join(dir, 'secrets.jsonl')
    const secrets = [
      { kind: 'access_token', value: JWT },
      { kind: 'refresh_token', value: REFRESH },
      { kind: 'session_cookie', value: COOKIE },
    ]
    writeFileSync(secretsFile, secrets.map((s) => `${JSON.stringify(s)}\n`).join(''))
    writeFileSync(logFile, lines.map((line) => `${JSON.stringify(line)}\n`).join(''))
    return sweepLogs(logFile, secretsFile)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

it('finds every kind of planted secret and says which kind and where, not the value (G-05)', () => {
  const result = sweep([
    { entry: 'packages/a.test.ts', msg: 'request', route: '/api/x' },
    { entry: 'packages/a.test.ts', error: { message: `refused Bearer ${JWT}` } },
    { entry: 'packages/b.test.ts', event: { note: `token=${REFRESH}&x=1` } },
    { entry: 'packages/b.test.ts', headers: { cookie: `__Host-coatcheck=${COOKIE}` } },
  ])
  assert.deepEqual(result.findings, [
    { kind: 'access_token', entry: 'packages/a.test.ts', line: 2 },
    { kind: 'refresh_token', entry: 'packages/b.test.ts', line: 3 },
    { kind: 'session_cookie', entry: 'packages/b.test.ts', line: 4 },
  ])
  assert.equal(result.linesByEntry.get('packages/a.test.ts'), 2)
  assert.ok(!JSON.stringify(result.findings).includes(REFRESH))
})

it('finds nothing in redacted lines', () => {
  const result = sweep([{ entry: 'x.test.ts', error: { message: 'refused Bearer [redacted]' } }])
  assert.deepEqual(result.findings, [])
  assert.equal(result.secretCount, 3)
})
