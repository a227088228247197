import assert from 'node:assert/strict'
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it, type TestContext } from 'node:test'
import { parseConfig } from '@coatcheck/core'
import { parse } from 'yaml'
import { runCli } from './support/run-cli.ts'

const OLD_KEY = 'q3Jx9vTzL0cPwY7mKd2RbN5sHf8uGa1eXi4oVn6tZyC'

async function tempDir(t: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'coatcheck-keys-'))
  t.after(() => rm(dir, { recursive: true, force: true }))
  return dir
}

/** The YAML block after the last comment line that introduces configuration. */
function configLines(stdout: string): Record<string, unknown> {
  return parse(stdout.slice(stdout.indexOf('\nkeys:') + 1)) as Record<string, unknown>
}

describe('coatcheck keys', () => {
  it('generates a sealing key and a DPoP key that the schema accepts, writing nothing to disk (C-09, L-22)', async (t) => {
    const dir = await tempDir(t)
    const run = await runCli(['keys', 'generate'], { cwd: dir })
    assert.equal(run.code, 0, run.stderr)
    assert.deepEqual(await readdir(dir), [])
    const [, key, , , jwkLine] = run.stdout.split('\n')
    assert.match(key ?? '', /^[A-Za-z0-9_-]{43}$/)
    const jwk = JSON.parse(jwkLine ?? '') as Record<string, string>
    const lines = configLines(run.stdout)
    const config = parseConfig({
      publicUrl: 'https://api.example.com',
      idp: { issuer: 'https://idp.example.com', clientId: 'web', clientSecret: 'x'.repeat(32) },
      spa: { url: 'https://app.example.com/' },
      ...lines,
      keys: [key],
      dpop: { privateKey: jwk },
    })
    assert.equal(
      config.dpop.privateKey?.x,
      (lines['dpop'] as { privateKey: { x: string } }).privateKey.x,
    )
    const again = await runCli(['keys', 'generate'])
    assert.notEqual(again.stdout.split('\n')[1], key)
  })

  it('writes to --out with mode 600 and never overwrites a file', async (t) => {
    const out = join(await tempDir(t), 'secrets.txt')
    assert.equal((await runCli(['keys', 'generate', '--out', out])).code, 0)
    assert.equal((await stat(out)).mode & 0o777, 0o600)
    const before = await readFile(out, 'utf8')
    assert.equal((await runCli(['keys', 'generate', '--out', out])).code, 1)
    assert.equal(await readFile(out, 'utf8'), before)
  })

  it('rotates: a new key first, the old ones kept, and when to drop them', async (t) => {
    const file = join(await tempDir(t), 'config.yaml')
    await writeFile(
      file,
      'publicUrl: https://api.example.com\n' +
        `keys: [${OLD_KEY}]\n` +
        'idp: { issuer: https://idp.example.com, clientId: web, clientSecret: s }\n' +
        'spa: { url: https://app.example.com/ }\n' +
        'session: { absoluteTimeoutSeconds: 7200 }\n',
    )
    const run = await runCli(['keys', 'rotate', '--config', file])
    assert.equal(run.code, 0, run.stderr)
    const { keys } = configLines(run.stdout) as { keys: string[] }
    assert.equal(keys.length, 2)
    assert.notEqual(keys[0], OLD_KEY)
    assert.equal(keys[1], OLD_KEY)
    assert.match(run.stdout, /7200 s/)
    assert.equal((await runCli(['keys', 'rotate'])).code, 2)
    assert.equal((await runCli(['keys', 'rotate', '--config', `${file}.missing.yaml`])).code, 78)
    assert.equal((await runCli(['keys', 'spin'])).code, 2)
  })
})

describe('coatcheck --help', () => {
  for (const command of ['start', 'dev', 'doctor', 'keys']) {
    it(`prints the usage of \`${command}\` and exits 0`, async () => {
      const run = await runCli([command, '--help'])
      assert.equal(run.code, 0)
      assert.match(run.stdout, new RegExp(`^Usage: coatcheck ${command}`))
    })
  }

  it('lists every command', async () => {
    const run = await runCli(['--help'])
    assert.equal(run.code, 0)
    for (const command of ['start', 'dev', 'doctor', 'keys']) {
      assert.match(run.stdout, new RegExp(`^  ${command} `, 'm'))
    }
  })
})
