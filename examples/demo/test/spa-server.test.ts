import assert from 'node:assert/strict'
import { once } from 'node:events'
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises'
import { request as httpRequest, type IncomingHttpHeaders, type IncomingMessage } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it, type TestContext } from 'node:test'
import { startSpaServer } from '../src/index.ts'

const COATCHECK = 'http://localhost:8080'
const INDEX = `<!doctype html>
<html><head><meta name="coatcheck-url" content="" /><script type="module" src="/app.js"></script></head>
<body></body></html>`

interface Answer {
  status: number
  headers: IncomingHttpHeaders
  body: string
}

/**
 * A site root with index.html and app.js, next to a secret file outside it and a symbolic link
 * inside it that points at the secret.
 */
async function startSite(t: TestContext, coatcheckUrl = COATCHECK) {
  const dir = await mkdtemp(join(tmpdir(), 'coatcheck-spa-'))
  t.after(() => rm(dir, { recursive: true, force: true }))
  const root = join(dir, 'public')
  await mkdir(join(root, 'assets'), { recursive: true })
  await writeFile(join(root, 'index.html'), INDEX)
  await writeFile(join(root, 'app.js'), 'console.log("app")\n')
  await writeFile(join(root, 'assets', 'styles.css'), 'body{}\n')
  await writeFile(join(dir, 'secret.txt'), 'TOP-SECRET')
  await symlink(join(dir, 'secret.txt'), join(root, 'link.txt'))
  const server = await startSpaServer({ port: 0, root, coatcheckUrl })
  t.after(() => server.close())
  /** Sends `path` exactly as written: no client-side normalisation of `..`. */
  return async (path: string, method = 'GET'): Promise<Answer> => {
    const req = httpRequest({ host: '127.0.0.1', port: server.port, path, method })
    req.end()
    const [res] = (await once(req, 'response')) as [IncomingMessage]
    let body = ''
    for await (const chunk of res) body += String(chunk)
    return { status: res.statusCode ?? 0, headers: res.headers, body }
  }
}

describe('SPA server', () => {
  it('serves files with their content type and cache policy', async (t) => {
    const get = await startSite(t)
    const index = await get('/')
    assert.equal(index.status, 200)
    assert.equal(index.headers['content-type'], 'text/html; charset=utf-8')
    assert.equal(index.headers['cache-control'], 'no-cache')
    const script = await get('/app.js')
    assert.equal(script.headers['content-type'], 'text/javascript; charset=utf-8')
    assert.match(String(script.headers['cache-control']), /max-age=\d+/)
    assert.equal(
      (await get('/assets/styles.css')).headers['content-type'],
      'text/css; charset=utf-8',
    )
    assert.equal((await get('/missing.js')).status, 404)
    assert.equal((await get('/assets')).status, 404)
    assert.equal((await get('/', 'POST')).status, 405)
  })

  it('refuses paths that leave the root, however they are spelled', async (t) => {
    const get = await startSite(t)
    for (const path of [
      '/../secret.txt',
      '/assets/../../secret.txt',
      '/%2e%2e/secret.txt',
      '/..%2fsecret.txt',
      '/%2e%2e%2fsecret.txt',
      '/..%5csecret.txt',
      '/link.txt',
      '/app.js%00.html',
      '/%E0%A4%A',
    ]) {
      const answer = await get(path)
      assert.ok(answer.status === 404 || answer.status === 400, `${path} → ${answer.status}`)
      assert.ok(!answer.body.includes('TOP-SECRET'), path)
    }
  })

  it('sends the security headers on every response, errors included', async (t) => {
    const get = await startSite(t)
    for (const path of ['/', '/app.js', '/missing', '/../secret.txt']) {
      const { headers } = await get(path)
      assert.equal(
        headers['content-security-policy'],
        `default-src 'self'; connect-src 'self' ${COATCHECK}; script-src 'self'; style-src 'self'; ` +
          `frame-ancestors 'none'; base-uri 'none'; form-action 'self' ${COATCHECK}`,
        path,
      )
      assert.equal(headers['x-content-type-options'], 'nosniff', path)
      assert.equal(headers['referrer-policy'], 'strict-origin-when-cross-origin', path)
    }
  })

  it("injects Coatcheck's URL into index.html, HTML-escaped", async (t) => {
    const get = await startSite(t, 'http://localhost:8080/?a="><script>alert(1)</script>&b=\'')
    const { body } = await get('/index.html')
    assert.match(
      body,
      /<meta name="coatcheck-url" content="http:\/\/localhost:8080\/\?a=&#34;&#62;&#60;script&#62;alert\(1\)&#60;\/script&#62;&#38;b=&#39;" \/>/,
    )
    assert.ok(!body.includes('<script>alert'))
  })
})
