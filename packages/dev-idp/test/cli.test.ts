import assert from 'node:assert/strict'
import { execFile, spawn } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { describe, it } from 'node:test'
import { verifyPassword } from '../src/index.ts'

const CLI = fileURLToPath(new URL('../src/cli.ts', import.meta.url))
const run = promisify(execFile)

describe('coatcheck-dev-idp CLI', { timeout: 30_000 }, () => {
  it('hash-password prints a scrypt hash of the password', async () => {
    const { stdout } = await run(process.execPath, [CLI, 'hash-password', 'hunter2'])
    const hash = stdout.trim()
    assert.match(hash, /^scrypt\$16384\$8\$1\$[\w-]+\$[\w-]+$/)
    assert.equal(await verifyPassword('hunter2', hash), true)
  })

  it('--help prints the usage', async () => {
    const { stdout } = await run(process.execPath, [CLI, '--help'])
    assert.match(stdout, /coatcheck-dev-idp hash-password/)
    assert.match(stdout, /--allow-production/)
  })

  it('starts, prints the issuer and the seeded users, and stops on SIGTERM', async () => {
    const child = spawn(process.execPath, [CLI, '--port', '0', '--host', '127.0.0.1'], {
      env: { ...process.env, NODE_ENV: 'development' },
    })
    try {
      let output = ''
      child.stdout.setEncoding('utf8')
      for await (const chunk of child.stdout) {
        output += chunk
        if (output.includes('carol')) break
      }
      const issuer = /at (http:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1]
      assert.ok(issuer !== undefined, output)
      assert.match(output, /alice \/ wonderland {2}Alice Example \[admin\]/)
      const response = await fetch(`${issuer}/.well-known/openid-configuration`)
      assert.equal(response.status, 200)
      child.kill('SIGTERM')
      const [code] = await once(child, 'exit')
      assert.equal(code, 0)
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL')
    }
  })

  it('refuses to start with NODE_ENV=production (D-27)', async () => {
    const failure = await run(process.execPath, [CLI, '--port', '0'], {
      env: { ...process.env, NODE_ENV: 'production' },
    }).then(
      () => assert.fail('should exit with an error'),
      (error: { code: number; stderr: string }) => error,
    )
    assert.equal(failure.code, 1)
    assert.match(failure.stderr, /--allow-production/)
  })
})
