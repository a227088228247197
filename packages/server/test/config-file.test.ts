import assert from 'node:assert/strict'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it, type TestContext } from 'node:test'
import { ConfigFileError, loadConfigFile } from '../src/index.ts'

/** Writes `files` into a fresh directory removed when the test ends. */
async function withFiles(t: TestContext, files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'coatcheck-config-'))
  t.after(() => rm(dir, { recursive: true, force: true }))
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text)
  return dir
}

async function loadError(path: string, env: Record<string, string> = {}): Promise<ConfigFileError> {
  const error = await loadConfigFile(path, env).then(
    () => assert.fail('expected a ConfigFileError'),
    (error: unknown) => error,
  )
  assert.ok(error instanceof ConfigFileError, String(error))
  return error
}

const YAML = `# Coatcheck
publicUrl: https://api.example.com
idp:
  issuer: \${IDP_ISSUER:-https://idp.example.com}
  clientId: web
  clientSecret: \${COATCHECK_CLIENT_SECRET}
spa:
  url: https://app.example.com/
routes:
  - path: /api/orders
    upstream: https://orders.internal
    timeoutMs: 5000
`

const JSON_TEXT = JSON.stringify({
  publicUrl: 'https://api.example.com',
  idp: {
    issuer: '${IDP_ISSUER:-https://idp.example.com}',
    clientId: 'web',
    clientSecret: '${COATCHECK_CLIENT_SECRET}',
  },
  spa: { url: 'https://app.example.com/' },
  routes: [{ path: '/api/orders', upstream: 'https://orders.internal', timeoutMs: 5000 }],
})

const EXPECTED = {
  publicUrl: 'https://api.example.com',
  idp: {
    issuer: 'https://idp.example.com',
    clientId: 'web',
    clientSecret: 's3cret',
  },
  spa: { url: 'https://app.example.com/' },
  routes: [{ path: '/api/orders', upstream: 'https://orders.internal', timeoutMs: 5000 }],
}

describe('loadConfigFile', () => {
  it('reads YAML, JSON and .yml into the same options, with variables substituted', async (t) => {
    const dir = await withFiles(t, { 'a.yaml': YAML, 'b.yml': YAML, 'c.json': JSON_TEXT })
    const env = { COATCHECK_CLIENT_SECRET: 's3cret' }
    assert.deepEqual(await loadConfigFile(join(dir, 'a.yaml'), env), EXPECTED)
    assert.deepEqual(await loadConfigFile(join(dir, 'b.yml'), env), EXPECTED)
    assert.deepEqual(await loadConfigFile(join(dir, 'c.json'), env), EXPECTED)
  })

  it('reads variables from process.env by default', async (t) => {
    const dir = await withFiles(t, { 'a.yaml': 'idp:\n  clientSecret: ${COATCHECK_TEST_SECRET}\n' })
    process.env['COATCHECK_TEST_SECRET'] = 'from-env'
    t.after(() => delete process.env['COATCHECK_TEST_SECRET'])
    assert.deepEqual(await loadConfigFile(join(dir, 'a.yaml')), {
      idp: { clientSecret: 'from-env' },
    })
  })

  it('names the option path and the variable when a referenced variable is unset', async (t) => {
    const dir = await withFiles(t, { 'a.yaml': YAML })
    const error = await loadError(join(dir, 'a.yaml'))
    assert.deepEqual(
      error.issues.map((issue) => issue.path),
      ['idp.clientSecret'],
    )
    assert.match(error.message, /`idp\.clientSecret` references \$\{COATCHECK_CLIENT_SECRET\}/)
    assert.match(error.message, /\$\{COATCHECK_CLIENT_SECRET:-default\}/)
  })

  it('names array positions in option paths, as parseConfig does', async (t) => {
    const dir = await withFiles(t, {
      'a.yaml': 'routes:\n  - path: /api/a\n    upstream: ${ORDERS_URL}\n',
    })
    const error = await loadError(join(dir, 'a.yaml'))
    assert.deepEqual(
      error.issues.map((issue) => issue.path),
      ['routes.0.upstream'],
    )
  })

  it('keeps a variable value as one string, whatever it contains', async (t) => {
    const dir = await withFiles(t, {
      'a.yaml': 'idp:\n  clientSecret: ${SECRET}\n',
      'b.json': '{"a":"${SECRET}"}',
    })
    const hostile = 'x"}, "environment": "development", "y": {"z": "\nenvironment: development'
    assert.deepEqual(await loadConfigFile(join(dir, 'a.yaml'), { SECRET: hostile }), {
      idp: { clientSecret: hostile },
    })
    assert.deepEqual(await loadConfigFile(join(dir, 'b.json'), { SECRET: hostile }), { a: hostile })
  })

  it('reports a YAML syntax error with its line, without quoting the file', async (t) => {
    const dir = await withFiles(t, {
      'a.yaml':
        'publicUrl: https://api.example.com\nidp:\n  clientSecret: "hunter2-secret\n  clientId: [web\n',
    })
    const error = await loadError(join(dir, 'a.yaml'))
    assert.ok(error.issues.length > 0)
    assert.ok(error.issues.every((issue) => typeof issue.line === 'number' && issue.line >= 3))
    assert.doesNotMatch(error.message, /hunter2/)
  })

  it('refuses duplicate keys in YAML, which would silently override each other', async (t) => {
    const dir = await withFiles(t, {
      'a.yaml': 'publicUrl: https://a.example\npublicUrl: https://b.example\n',
    })
    const error = await loadError(join(dir, 'a.yaml'))
    assert.equal(error.issues[0]?.line, 2)
  })

  it('reports a JSON syntax error with its line, without quoting the file', async (t) => {
    const dir = await withFiles(t, {
      'a.json':
        '{\n  "idp": {\n    "clientSecret": "hunter2-secret"\n    "clientId": "web"\n  }\n}\n',
      'b.json': '{"clientSecret": "hunter2-secret", "a": }',
    })
    const located = await loadError(join(dir, 'a.json'))
    assert.equal(located.issues[0]?.line, 4)
    const unlocated = await loadError(join(dir, 'b.json'))
    assert.doesNotMatch(unlocated.message, /hunter2/)
  })

  it('explains a missing file and an unknown extension', async (t) => {
    const dir = await withFiles(t, { 'a.toml': 'x = 1' })
    assert.match((await loadError(join(dir, 'missing.yaml'))).message, /does not exist/)
    assert.match((await loadError(join(dir, 'a.toml'))).message, /\.yaml, \.yml or \.json/)
  })
})
