import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { once } from 'node:events'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createServer } from 'node:https'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { getCACertificates, setDefaultCACertificates } from 'node:tls'
import { createTeardown } from './support/cleanup.ts'
import { startGateway, type Gateway } from './support/gateway.ts'
import { send } from './support/http-client.ts'

/** A self-signed certificate for 127.0.0.1, made with openssl for this run only. */
function makeCertificate(): { key: string; cert: string } {
  const dir = mkdtempSync(join(tmpdir(), 'coatcheck-tls-'))
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
      ],
      { stdio: 'ignore' },
    )
    return {
      key: readFileSync(join(dir, 'key.pem'), 'utf8'),
      cert: readFileSync(join(dir, 'cert.pem'), 'utf8'),
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

describe('an API behind HTTPS', { timeout: 30_000 }, () => {
  const teardown = createTeardown()
  const defaults = getCACertificates('default')
  let gateway: Gateway
  let trusted: string
  let untrusted: string

  before(async () => {
    const listen = async (identity: { key: string; cert: string }) => {
      const server = createServer(identity, (req, res) => {
        let received = 0
        req.on('data', (chunk: Buffer) => (received += chunk.length))
        req.on('end', () => {
          res.writeHead(200, { 'content-type': 'application/json' })
          res.end(
            JSON.stringify({
              path: req.url,
              received,
              auth: req.headers.authorization ? 'yes' : 'no',
            }),
          )
        })
      })
      server.listen(0, '127.0.0.1')
      await once(server, 'listening')
      teardown.after(() => new Promise<void>((resolve) => server.close(() => resolve())))
      teardown.after(() => server.closeAllConnections())
      return `https://127.0.0.1:${(server.address() as AddressInfo).port}`
    }
    const ours = makeCertificate()
    trusted = await listen(ours)
    untrusted = await listen(makeCertificate())
    // As NODE_EXTRA_CA_CERTS would at start-up: this run's certificate joins the defaults.
    setDefaultCACertificates([...defaults, ours.cert])
    teardown.after(() => setDefaultCACertificates(defaults))
    gateway = await startGateway(teardown, {
      routes: [
        { path: '/api/tls', upstream: trusted, methods: ['GET', 'POST'] },
        { path: '/api/stranger', upstream: untrusted },
      ],
    })
  })
  after(() => teardown.run())

  it('carries bodiless calls (raw sockets) and uploads (undici) over verified TLS', async () => {
    const cookie = await gateway.login()
    const headers = { ...gateway.apiHeaders(cookie), 'sec-fetch-site': 'same-site' }
    const get = await send(`${gateway.url}/api/tls/a`, { headers })
    assert.equal(get.status, 200)
    assert.deepEqual(JSON.parse(get.body), { path: '/a', received: 0, auth: 'yes' })
    const again = await send(`${gateway.url}/api/tls/b`, { headers })
    assert.equal(JSON.parse(again.body).path, '/b')
    const post = await send(`${gateway.url}/api/tls/c`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'text/plain' },
      body: 'x'.repeat(1000),
    })
    assert.deepEqual(JSON.parse(post.body), { path: '/c', received: 1000, auth: 'yes' })
  })

  it('answers 502 when the API presents a certificate nobody vouches for', async () => {
    const cookie = await gateway.login()
    const headers = { ...gateway.apiHeaders(cookie), 'sec-fetch-site': 'same-site' }
    const answer = await send(`${gateway.url}/api/stranger/x`, { headers })
    assert.equal(answer.status, 502)
    assert.equal(JSON.parse(answer.body).error, 'upstream_unavailable')
  })
})
