import assert from 'node:assert/strict'
import type { ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { request as httpRequest, type IncomingMessage } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it, type TestContext } from 'node:test'
import { startDevIdp } from '@coatcheck/dev-idp'
import { LISTENING, runCli, startCli } from './support/run-cli.ts'

const KEY = 'k'.repeat(43)

/** Runs the CLI to completion with no environment variables. */
const runBare = (args: string[]) => runCli(args, { env: {} })

async function writeConfig(t: TestContext, name: string, text: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'coatcheck-cli-'))
  t.after(() => rm(dir, { recursive: true, force: true }))
  const path = join(dir, name)
  await writeFile(path, text)
  return path
}

function productionConfig(
  changes: { issuer?: string | null; extra?: string; publicUrl?: string } = {},
): string {
  const issuer =
    changes.issuer === null ? '' : `  issuer: ${changes.issuer ?? 'https://idp.example.com'}\n`
  return (
    `environment: production\n` +
    `publicUrl: ${changes.publicUrl ?? 'https://api.example.com'}\n` +
    `keys: [${KEY}]\n` +
    `idp:\n${issuer}  clientId: web\n  clientSecret: \${COATCHECK_CLIENT_SECRET:-s3cret}\n` +
    `spa:\n  url: https://app.example.com/\n` +
    (changes.extra ?? '')
  )
}

async function stop(child: ChildProcess, signal: NodeJS.Signals): Promise<number | null> {
  const exited = once(child, 'exit')
  child.kill(signal)
  const [code] = (await exited) as [number | null]
  return code
}

function get(url: string, headers: Record<string, string> = {}): Promise<IncomingMessage> {
  const req = httpRequest(url, { headers })
  req.end()
  return once(req, 'response').then(([res]) => (res as IncomingMessage).resume())
}

describe('coatcheck start: configuration errors exit 78 and name the option', () => {
  const cases = [
    ['a missing issuer', productionConfig({ issuer: null }), 'idp.issuer'],
    [
      'a __Host- cookie with a domain',
      productionConfig({ extra: 'cookie:\n  domain: example.com\n' }),
      'cookie.domain',
    ],
    [
      'an http publicUrl in production',
      productionConfig({ publicUrl: 'http://api.example.com' }),
      'publicUrl',
    ],
    ['an unknown key', productionConfig({ extra: 'colour: blue\n' }), 'colour'],
  ] as const

  for (const [what, text, path] of cases) {
    it(`refuses ${what}`, async (t) => {
      const file = await writeConfig(t, 'bad.yaml', text)
      const run = await runBare(['start', '--config', file])
      assert.equal(run.code, 78)
      assert.ok(run.stderr.includes(`\`${path}\``), run.stderr)
      assert.doesNotMatch(run.stderr, /^\s+at /m, 'no stack trace')
    })
  }

  it('refuses a reference to an unset variable, naming the option and the variable', async (t) => {
    const file = await writeConfig(
      t,
      'bad.yaml',
      'idp:\n  clientSecret: ${COATCHECK_CLIENT_SECRET}\n',
    )
    const run = await runBare(['start', '--config', file])
    assert.equal(run.code, 78)
    assert.match(run.stderr, /`idp\.clientSecret` references \$\{COATCHECK_CLIENT_SECRET\}/)
  })

  it('refuses a file that does not parse, or does not exist', async (t) => {
    const file = await writeConfig(t, 'bad.json', '{"publicUrl": }')
    assert.equal((await runBare(['start', '--config', file])).code, 78)
    assert.equal((await runBare(['start', '--config', `${file}.missing.yaml`])).code, 78)
  })
})

describe('coatcheck: usage', () => {
  it('exits 2 on a bad command line', async () => {
    assert.equal((await runBare([])).code, 2)
    assert.equal((await runBare(['launch'])).code, 2)
    assert.equal((await runBare(['start'])).code, 2)
    assert.equal((await runBare(['start', '--config', 'x.yaml', '--port', 'eighty'])).code, 2)
    assert.equal((await runBare(['start', '--config', 'x.yaml', '--colour'])).code, 2)
    assert.equal((await runBare(['dev', 'extra'])).code, 2)
  })

  it('prints help for the CLI and for each command', async () => {
    for (const args of [['--help'], ['start', '--help'], ['dev', '--help']]) {
      const run = await runBare(args)
      assert.equal(run.code, 0)
      assert.match(run.stdout, /^Usage: coatcheck/)
    }
  })
})

describe('coatcheck start and dev: running', () => {
  it('start serves until SIGTERM, then exits 0', async (t) => {
    const idp = await startDevIdp({ host: 'localhost' })
    t.after(() => idp.close())
    const file = await writeConfig(
      t,
      'coatcheck.json',
      JSON.stringify({
        environment: 'development',
        publicUrl: 'http://localhost:8080',
        keys: [KEY],
        idp: { issuer: '${IDP_ISSUER}', clientId: 'web', clientSecret: 's3cret' },
        spa: { url: 'http://localhost:5173/' },
      }),
    )
    const { child, match } = await startCli(
      ['start', '--config', file, '--port', '0'],
      LISTENING,
      (cleanUp) => t.after(cleanUp),
      { env: { IDP_ISSUER: idp.issuer } },
    )
    const [, url] = match
    assert.equal((await get(`${url}/nowhere`)).statusCode, 404)
    assert.equal(await stop(child, 'SIGTERM'), 0)
  })

  it('dev starts an identity provider and Coatcheck with throw-away keys, and stops on SIGINT', async (t) => {
    const { child, match } = await startCli(
      ['dev', '--port', '0', '--idp-port', '0'],
      /public URL (http:\/\/localhost:\d+)\nDevelopment identity provider: (http:\/\/\S+)\n/,
      (cleanUp) => t.after(cleanUp),
      { env: {} },
    )
    const [, publicUrl, issuer] = match
    const login = await get(`${publicUrl}/auth/login?returnTo=%2F`)
    assert.equal(login.statusCode, 302)
    assert.ok(login.headers.location?.startsWith(`${issuer}/`))
    assert.equal(await stop(child, 'SIGINT'), 0)
  })
})
