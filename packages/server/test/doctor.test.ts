import assert from 'node:assert/strict'
import { once } from 'node:events'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { createServer, type RequestListener } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it, type TestContext } from 'node:test'
import { parseConfig } from '@coatcheck/core'
import { buildDemoConfig, startDemo, type Demo } from '@coatcheck/example-demo'
import { checkConfig } from '../src/doctor/check-config.ts'
import { checkIdentityProvider } from '../src/doctor/check-identity-provider.ts'
import type { Finding } from '../src/doctor/finding.ts'
import { probeDeployment } from '../src/doctor/probe-deployment.ts'
import { runCli } from './support/run-cli.ts'

const STRONG_KEY = 'q3Jx9vTzL0cPwY7mKd2RbN5sHf8uGa1eXi4oVn6tZyC'
const STRONG_SECRET = 'Vn4pQ8sX2mLz7cRt0bKw5yHj9dGf3aEu1iNo6'

async function writeJson(t: TestContext, value: unknown): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'coatcheck-doctor-'))
  t.after(() => rm(dir, { recursive: true, force: true }))
  const file = join(dir, 'config.json')
  await writeFile(file, JSON.stringify(value))
  return file
}

/** A plain HTTP server on 127.0.0.1:0 that stops when the test ends. */
async function serve(t: TestContext, listener: RequestListener): Promise<string> {
  const server = createServer(listener)
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  t.after(() => {
    server.closeAllConnections()
    server.close()
  })
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

/** A sound local configuration whose identity provider is `issuer`. */
const localConfig = (issuer: string) =>
  parseConfig({
    environment: 'development',
    publicUrl: 'http://localhost:8080',
    keys: [STRONG_KEY],
    idp: { issuer, clientId: 'web', clientSecret: STRONG_SECRET },
    spa: { url: 'http://localhost:5173/' },
  })

const ids = (findings: readonly Finding[], severity?: Finding['severity']) =>
  new Set(findings.filter((f) => !severity || f.severity === severity).map((f) => f.id))

describe('coatcheck doctor on the running demo', () => {
  let demo: Demo
  before(async () => {
    demo = await startDemo({ ports: { spa: 0, coatcheck: 0, idp: 0, api: 0 }, quiet: true })
  })
  after(() => demo.close())

  it('reports no error for the demo configuration, its identity provider and the live gateway (C-01, X-02, X-03, L-15)', async (t) => {
    const file = await writeJson(t, buildDemoConfig({ urls: demo.urls, issuer: demo.urls.idp }))
    const run = await runCli(['doctor', '--config', file, '--url', demo.urls.coatcheck, '--json'])
    const report = JSON.parse(run.stdout) as { ok: boolean; findings: Finding[] }
    assert.deepEqual(
      report.findings.filter((f) => f.severity === 'error'),
      [],
    )
    assert.equal(report.ok, true)
    assert.equal(run.code, 0, run.stderr)
  })

  it('prints human-readable findings with a summary', async () => {
    const run = await runCli(['doctor', '--url', demo.urls.coatcheck])
    assert.equal(run.code, 0, run.stderr)
    assert.match(run.stdout, /0 error\(s\)/)
  })
})

describe('coatcheck doctor on a seeded bad configuration', () => {
  const bad = {
    environment: 'production',
    publicUrl: 'https://api.example.com',
    keys: ['k'.repeat(43), STRONG_KEY, STRONG_KEY],
    idp: { issuer: 'https://127.0.0.1:1', clientId: 'coatcheck-dev', clientSecret: 'hunter2' },
    spa: {
      url: 'https://app.example.net/',
      origins: ['https://*.example.com'],
      static: { root: 'dist' },
    },
    cookie: { name: 'coatcheck', sameSite: 'lax' },
    session: { absoluteTimeoutSeconds: 500 * 24 * 3600, idleTimeoutSeconds: 501 * 24 * 3600 },
    routes: [{ path: '/api/orders', upstream: 'http://orders.internal.example.com' }],
  }

  it('reports each planted mistake with its requirement ID (C-05, X-03, C-16, C-11, C-09, L-01, D-27)', () => {
    const findings = checkConfig(parseConfig(bad))
    for (const id of ['X-03', 'C-16', 'C-11', 'C-09', 'L-01', 'D-27']) {
      assert.ok(ids(findings, 'error').has(id), `error ${id} in ${JSON.stringify(findings)}`)
    }
    for (const id of ['C-05', 'C-12', 'C-16', 'R-03', 'P-05']) {
      assert.ok(ids(findings, 'warning').has(id), `warning ${id}`)
    }
    assert.ok(ids(findings, 'info').has('C-03'))
    for (const finding of findings) assert.ok(finding.fix.length > 0, finding.id)
    assert.ok(!JSON.stringify(findings).includes('hunter2'), 'never prints the secret')
  })

  it('warns that the cookie store coordinates refreshes and logouts per process only (C-15, R-03)', () => {
    const findings = checkConfig(parseConfig({ ...bad, session: { store: 'cookie' } }))
    assert.deepEqual(
      findings.filter((f) => f.id === 'C-15').map((f) => [f.severity, f.where]),
      [['warning', 'session.store']],
    )
  })

  it('flags a development configuration deployed on a real host (G-01)', () => {
    const findings = checkConfig(
      parseConfig({
        ...bad,
        environment: 'development',
        publicUrl: 'http://bff.example.com',
        spa: { url: 'http://app.example.com/' },
        keys: [STRONG_KEY],
        idp: { issuer: 'http://localhost:9000', clientId: 'web', clientSecret: STRONG_SECRET },
      }),
    )
    assert.deepEqual(
      findings.filter((f) => f.id === 'G-01').map((f) => f.where),
      ['publicUrl', 'spa.url'],
    )
  })

  it('exits 1 with the findings as JSON, 78 on an invalid configuration, 2 on a bad command line', async (t) => {
    const run = await runCli(['doctor', '--config', await writeJson(t, bad), '--offline', '--json'])
    assert.equal(run.code, 1, run.stderr)
    const report = JSON.parse(run.stdout) as { ok: boolean; findings: Finding[] }
    assert.equal(report.ok, false)
    assert.ok(ids(report.findings, 'error').has('X-03'))

    const invalid = await runCli(['doctor', '--config', await writeJson(t, { ...bad, colour: 1 })])
    assert.equal(invalid.code, 78)
    assert.equal((await runCli(['doctor'])).code, 2)
    assert.equal((await runCli(['doctor', '--url', 'ftp://x'])).code, 2)
    assert.equal((await runCli(['doctor', '--verbose'])).code, 2)
  })

  it('checks what the identity provider advertises (L-03, L-09, L-12)', async (t) => {
    const issuer = await serve(t, (_req, res) => {
      res.setHeader('content-type', 'application/json')
      res.end(
        JSON.stringify({
          issuer: 'https://someone-else.example',
          response_types_supported: ['code'],
          code_challenge_methods_supported: ['plain'],
        }),
      )
    })
    const findings = await checkIdentityProvider(localConfig(issuer), { timeoutMs: 2000 })
    assert.ok(ids(findings, 'error').has('L-03'))
    assert.ok(ids(findings, 'error').has('L-12'))
    assert.ok(ids(findings, 'warning').has('L-09'))
  })

  it('reports an unreachable identity provider as a warning, within the timeout', async (t) => {
    const issuer = await serve(t, () => {
      // Never answers.
    })
    const findings = await checkIdentityProvider(localConfig(issuer), { timeoutMs: 200 })
    assert.deepEqual([...ids(findings, 'warning')], ['L-12'])
  })
})

describe('coatcheck doctor --url on a misconfigured deployment', () => {
  it('finds the planted faults (C-02, C-03, C-05, C-13, X-02, X-03, L-15, G-02)', async (t) => {
    // Everything wrong a hand-rolled BFF tends to get wrong.
    const url = await serve(t, (req, res) => {
      const origin = req.headers.origin
      if (origin) {
        res.setHeader('access-control-allow-origin', origin)
        res.setHeader('access-control-allow-credentials', 'true')
      }
      if (req.url?.startsWith('/auth/login')) {
        res.setHeader('set-cookie', 'tx=abc; Path=/; Secure')
        res.writeHead(302, { location: 'https://idp.example/authorize' }).end()
      } else if (req.url === '/') {
        res.writeHead(200, { 'content-type': 'text/html' }).end('<script>app()</script>')
      } else {
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"authenticated":false}')
      }
    })
    const findings = await probeDeployment({ url, timeoutMs: 2000 })
    for (const id of ['C-02', 'C-03', 'X-02', 'X-03', 'L-15']) {
      assert.ok(ids(findings, 'error').has(id), `error ${id} in ${JSON.stringify(findings)}`)
    }
    for (const id of ['C-05', 'C-13', 'L-18', 'X-06', 'G-02']) {
      assert.ok(ids(findings, 'warning').has(id), id)
    }
    assert.equal(findings.filter((f) => f.id === 'G-02' && f.severity === 'warning').length, 2)
  })

  it('exits 1 when the deployment cannot be reached', async (t) => {
    const url = await serve(t, (req) => req.socket.destroy())
    const run = await runCli(['doctor', '--url', url])
    assert.equal(run.code, 1)
  })
})
