import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { once } from 'node:events'
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { ConfigError, parseConfig } from '@coatcheck/core'
import { probeDeployment } from '../src/doctor/probe-deployment.ts'
import { createSpaStatic } from '../src/spa/spa-static.ts'
import { startServer, type ListenAddress } from '../src/index.ts'
import { createTeardown } from './support/cleanup.ts'
import { configFor, startIdp } from './support/gateway.ts'
import { send } from './support/http-client.ts'

const INLINE_SCRIPT = "window.appConfig = { basePath: '/' }"
const INLINE_STYLE = 'body { margin: 0 }'
const INDEX = `<!doctype html>
<html><head>
<script>${INLINE_SCRIPT}</script>
<style>${INLINE_STYLE}</style>
<script type="module" src="/assets/app-3f9a1c2b.js"></script>
</head><body><div id="root"></div></body></html>
`
const SECRET = 'top-secret-outside-the-root'
const NAVIGATE = { accept: 'text/html', 'sec-fetch-mode': 'navigate' }

const sha256 = (text: string) => `'sha256-${createHash('sha256').update(text).digest('base64')}'`

/** A built SPA in a temp folder, with a secret beside it and traps inside it. */
async function buildSpa(): Promise<{ dir: string; root: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'coatcheck-spa-'))
  const root = join(dir, 'dist')
  await mkdir(join(root, 'assets'), { recursive: true })
  await writeFile(join(root, 'index.html'), INDEX)
  await writeFile(join(root, 'assets', 'app-3f9a1c2b.js'), 'console.log("app")\n')
  await writeFile(join(root, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>')
  await writeFile(join(root, '.env'), `SECRET=${SECRET}`)
  await writeFile(join(dir, 'secret.txt'), SECRET)
  await symlink(dir, join(root, 'escape'))
  return { dir, root }
}

describe('serving the SPA from Coatcheck (spa.static)', () => {
  const teardown = createTeardown()
  let base: string
  let root: string

  before(async () => {
    const spa = await buildSpa()
    root = spa.root
    teardown.after(() => rm(spa.dir, { recursive: true, force: true }))
    const idp = await startIdp(teardown)
    const server = await startServer({
      port: 0,
      config: (address: ListenAddress) =>
        configFor(idp, address, {
          spa: { url: `http://localhost:${address.port}/`, static: { root } },
          routes: [{ path: '/api/things', upstream: 'http://127.0.0.1:9/' }],
        }),
      onError: () => {},
    })
    teardown.after(() => server.close())
    base = server.url
  })
  after(() => teardown.run())

  it('serves index.html with no-cache, an ETag and a CSP that allows its inline code by hash (G-02)', async () => {
    const res = await send(`${base}/`)
    assert.equal(res.status, 200)
    assert.equal(res.body, INDEX)
    assert.equal(res.headers['content-type'], 'text/html; charset=utf-8')
    assert.equal(res.headers['cache-control'], 'no-cache')
    const csp = String(res.headers['content-security-policy'])
    assert.match(
      csp,
      new RegExp(`script-src 'self' ${sha256(INLINE_SCRIPT).replace(/[+/]/g, '\\$&')}(;| )`),
    )
    assert.ok(csp.includes(`style-src 'self' ${sha256(INLINE_STYLE)}`), csp)
    assert.match(csp, /frame-ancestors 'none'/)
    assert.match(csp, /object-src 'none'/)
    assert.doesNotMatch(csp, /unsafe-inline/)
    assert.equal(res.headers['x-content-type-options'], 'nosniff')
    assert.equal(res.headers['referrer-policy'], 'strict-origin-when-cross-origin')
    assert.equal(res.headers['strict-transport-security'], undefined, 'no HSTS over http')

    const again = await send(`${base}/`, { headers: { 'if-none-match': String(res.headers.etag) } })
    assert.equal(again.status, 304)
    assert.equal(again.body, '')
  })

  it('caches hashed assets for a year as immutable, other files with revalidation', async () => {
    const asset = await send(`${base}/assets/app-3f9a1c2b.js`)
    assert.equal(asset.status, 200)
    assert.equal(asset.headers['cache-control'], 'public, max-age=31536000, immutable')
    assert.equal(asset.headers['content-type'], 'text/javascript; charset=utf-8')
    assert.equal(asset.headers['x-content-type-options'], 'nosniff')
    const revalidated = await send(`${base}/assets/app-3f9a1c2b.js`, {
      headers: { 'if-none-match': String(asset.headers.etag) },
    })
    assert.equal(revalidated.status, 304)

    const icon = await send(`${base}/favicon.svg`)
    assert.equal(icon.headers['cache-control'], 'no-cache')
    assert.equal(icon.headers['content-type'], 'image/svg+xml')
    const head = await send(`${base}/favicon.svg`, { method: 'HEAD' })
    assert.equal(head.status, 200)
    assert.equal(head.body, '')
  })

  it('answers navigations to client-side routes with index.html, and nothing else', async () => {
    const route = await send(`${base}/orders/42?tab=items`, { headers: NAVIGATE })
    assert.equal(route.status, 200)
    assert.equal(route.body, INDEX)

    const byScript = await send(`${base}/orders/42`, {
      headers: { accept: 'text/html', 'sec-fetch-mode': 'cors' },
    })
    assert.equal(byScript.status, 404)
    const missingFile = await send(`${base}/assets/missing.js`, { headers: NAVIGATE })
    assert.equal(missingFile.status, 404)
    for (const path of ['/auth/nothing-here', '/%61uth/nothing-here']) {
      const auth = await send(`${base}${path}`, { headers: NAVIGATE })
      assert.equal(auth.status, 404, path)
      assert.notEqual(auth.body, INDEX)
    }
    // An API route stays an API route: without the anti-CSRF header → 403, never the SPA.
    const api = await send(`${base}/api/things/orders`, { headers: NAVIGATE })
    assert.equal(api.status, 403)
    const post = await send(`${base}/orders/42`, { method: 'POST', headers: NAVIGATE })
    assert.notEqual(post.body, INDEX)
  })

  it('passes the probes of coatcheck doctor --url, SPA headers included (G-02)', async () => {
    const findings = await probeDeployment({ url: base, timeoutMs: 5000 })
    assert.deepEqual(
      findings.filter((f) => f.severity !== 'info'),
      [],
    )
  })

  for (const path of [
    '/../secret.txt',
    '/%2e%2e/secret.txt',
    '/assets/..%2f..%2fsecret.txt',
    '/assets/..%5c..%5csecret.txt',
    '/.env',
    '/%2eenv',
    '/escape/secret.txt',
    '/favicon.svg%00.html',
  ]) {
    it(`never serves ${path}: no traversal, dotfile or symlink escape`, async () => {
      const res = await send(`${base}${path}`, { headers: NAVIGATE })
      assert.equal(res.status, 404)
      assert.ok(!res.body.includes(SECRET))
      assert.notEqual(res.body, INDEX)
    })
  }
})

describe('spa.static options', () => {
  it('sends HSTS when publicUrl is https (C-18)', async (t) => {
    const spa = await buildSpa()
    t.after(() => rm(spa.dir, { recursive: true, force: true }))
    const config = parseConfig({
      publicUrl: 'https://app.example.com',
      keys: ['q3Jx9vTzL0cPwY7mKd2RbN5sHf8uGa1eXi4oVn6tZyC'],
      idp: { issuer: 'https://idp.example.com', clientId: 'web', clientSecret: 's' },
      spa: { url: 'https://app.example.com/', static: { root: spa.root, fallback: false } },
    })
    const serveSpa = createSpaStatic(config)
    assert.ok(serveSpa)
    const server = createServer((req, res) => {
      void serveSpa(req, res).then((served) => {
        if (!served) res.writeHead(404).end()
      })
    })
    server.listen(0, '127.0.0.1')
    await once(server, 'listening')
    t.after(() => server.close())
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    const res = await send(`${url}/`)
    assert.equal(res.headers['strict-transport-security'], 'max-age=31536000')
    assert.equal(
      (await send(`${url}/orders/42`, { headers: NAVIGATE })).status,
      404,
      'fallback off',
    )
  })

  it('refuses a root that does not exist, naming the option', () => {
    const config = parseConfig({
      publicUrl: 'https://app.example.com',
      keys: ['q3Jx9vTzL0cPwY7mKd2RbN5sHf8uGa1eXi4oVn6tZyC'],
      idp: { issuer: 'https://idp.example.com', clientId: 'web', clientSecret: 's' },
      spa: { url: 'https://app.example.com/', static: { root: '/nonexistent/coatcheck-dist' } },
    })
    assert.throws(
      () => createSpaStatic(config),
      (error) => error instanceof ConfigError && error.issues[0]?.path === 'spa.static.root',
    )
  })
})
