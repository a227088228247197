import assert from 'node:assert/strict'
import { once } from 'node:events'
import { request as httpRequest, type IncomingMessage } from 'node:http'
import { after, before, describe, it } from 'node:test'
import { createDeferred } from '../src/internal/deferred.ts'
import { createTeardown } from './support/cleanup.ts'
import { SPA_ORIGIN, startGateway, type Gateway } from './support/gateway.ts'
import { send, sendRaw } from './support/http-client.ts'
import { startUpstream, type Upstream } from './support/upstream.ts'
import { freePort } from './support/free-port.ts'

describe('the API fast path through the real server', { timeout: 30_000 }, () => {
  const teardown = createTeardown()
  let gateway: Gateway
  let api: Upstream
  let canary: Upstream
  let cookie: string
  let refuse = 0
  let endlessClosed = createDeferred<void>()
  let hangingReached = createDeferred<void>()
  let hangingClosed = createDeferred<void>()

  before(async () => {
    canary = await startUpstream(teardown)
    api = await startUpstream(teardown, (req, res) => {
      req.resume()
      const path = req.url ?? ''
      if (path.startsWith('/v1/redirect')) {
        res.writeHead(302, { location: `${canary.url}/stolen` }).end()
        return
      }
      if (path.startsWith('/v1/guarded') && refuse > 0) {
        refuse--
        res.writeHead(401, { 'www-authenticate': 'Bearer error="invalid_token"' }).end('refused')
        return
      }
      if (path.startsWith('/v1/cut')) {
        // Promises 1000 bytes, sends 10, then the connection dies.
        res.writeHead(200, { 'content-length': '1000' })
        res.write('x'.repeat(10))
        setImmediate(() => res.socket?.destroy())
        return
      }
      if (path.startsWith('/v1/endless')) {
        res.on('close', () => endlessClosed.resolve())
        res.writeHead(200, { 'content-type': 'application/octet-stream' })
        res.write('first chunk')
        return
      }
      if (path.startsWith('/v1/hanging')) {
        res.on('close', () => hangingClosed.resolve())
        hangingReached.resolve()
        return // answers nothing until the call is given up
      }
      if (path.startsWith('/slow')) return // never answers
      res.writeHead(200, {
        'content-type': 'application/json',
        'set-cookie': 'planted=1; Path=/',
        'access-control-allow-origin': '*',
        vary: 'Accept-Encoding',
      })
      res.end(JSON.stringify({ url: path }))
    })
    gateway = await startGateway(teardown, {
      routes: [
        {
          path: '/api/orders',
          upstream: `${api.url}/v1`,
          methods: ['GET', 'HEAD', 'POST'],
          headers: { 'X-Route': 'orders' },
        },
        { path: '/api/slow', upstream: `${api.url}/slow`, timeoutMs: 200 },
        { path: '/api/down', upstream: `http://127.0.0.1:${await freePort()}` },
      ],
    })
    cookie = await gateway.login()
  })
  after(() => teardown.run())

  const xhr = (extra: Record<string, string> = {}) => ({
    ...gateway.apiHeaders(cookie),
    'sec-fetch-mode': 'cors',
    'sec-fetch-site': 'same-site',
    accept: 'application/json',
    ...extra,
  })

  it('refuses an absolute-form request target with 400 and sends nothing upstream (P-01)', async () => {
    const hits = api.requests.length
    const headers = `Origin: ${SPA_ORIGIN}\r\nX-CSRF: 1\r\nCookie: ${cookie}\r\nConnection: close\r\n`
    for (const target of [
      `http://${canary.host}/api/orders/1`,
      `http://localhost:${gateway.port}/api/orders/1`,
    ]) {
      const answer = await sendRaw(
        gateway.port,
        `GET ${target} HTTP/1.1\r\nHost: ${canary.host}\r\n${headers}\r\n`,
      )
      assert.match(answer, /^HTTP\/1\.1 400 /, target)
      assert.match(answer, /"error":"bad_request"/)
    }
    // The same trick on a WebSocket handshake.
    const handshake = await sendRaw(
      gateway.port,
      `GET http://${canary.host}/api/orders/ws HTTP/1.1\r\nHost: ${canary.host}\r\n${headers}` +
        'Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
    )
    assert.match(handshake, /^HTTP\/1\.1 400 /)
    assert.equal(canary.requests.length, 0, 'the canary saw nothing')
    assert.equal(api.requests.length, hits, 'the API saw nothing')
  })

  it('cannot be steered off the route by path tricks on the fast path (P-02)', async () => {
    const hits = api.requests.length
    for (const path of [
      `/api/orders/..%2f..%2f${canary.host}`,
      `/api/orders/%2e%2e/%2e%2e/admin`,
      `/api/orders//${canary.host}/x`,
      `/api/orders/%5c%5c${canary.host}`,
    ]) {
      const answer = await send(`${gateway.url}${path}`, { headers: xhr() })
      assert.ok(answer.status >= 400 && answer.status < 500, `${path} → ${answer.status}`)
    }
    assert.equal(canary.requests.length, 0)
    assert.equal(api.requests.length, hits)
  })

  it('sends the user token and none of the browser credentials or forwarding claims (P-04, P-05)', async () => {
    const answer = await send(`${gateway.url}/api/orders/42?x=1`, {
      headers: xhr({
        authorization: 'Bearer browser-supplied',
        'proxy-authorization': 'Basic Zm9vOmJhcg==',
        dpop: 'forged',
        'x-forwarded-host': 'evil.example',
        'x-forwarded-for': '6.6.6.6',
        'x-forwarded-proto': 'gopher',
        forwarded: 'for=6.6.6.6',
        'x-route': 'from-the-browser',
        'x-request-id': 'abc',
        connection: 'keep-alive, x-hop',
        'x-hop': 'only for this hop',
      }),
    })
    assert.equal(answer.status, 200)
    assert.deepEqual(JSON.parse(answer.body), { url: '/v1/42?x=1' })
    const seen = api.requests.at(-1)?.headers ?? {}
    const token = String(seen.authorization).replace(/^Bearer /, '')
    assert.ok(gateway.idp.issuedTokens().includes(token), 'the user’s access token')
    assert.equal(seen.cookie, undefined, 'the session cookie stays at Coatcheck')
    assert.equal(seen['proxy-authorization'], undefined)
    assert.equal(seen.dpop, undefined)
    assert.equal(seen['x-csrf'], undefined)
    assert.equal(seen.forwarded, undefined)
    assert.equal(seen['x-forwarded-host'], `localhost:${gateway.port}`)
    assert.equal(seen['x-forwarded-proto'], 'http')
    assert.equal(seen['x-forwarded-for'], '127.0.0.1', 'replaced, not appended')
    assert.equal(seen['x-route'], 'orders', 'route headers are set over the browser’s')
    assert.equal(seen['x-hop'], undefined, 'Connection-listed headers are hop-by-hop')
    assert.equal(seen['x-request-id'], 'abc', 'ordinary headers pass')
  })

  it('relays the answer without upstream cookies or CORS grants, Vary merged (P-07)', async () => {
    const answer = await send(`${gateway.url}/api/orders/1`, { headers: xhr() })
    assert.equal(answer.status, 200)
    assert.equal(answer.headers['set-cookie'], undefined)
    assert.equal(answer.headers['access-control-allow-origin'], SPA_ORIGIN)
    assert.equal(answer.headers['access-control-allow-credentials'], 'true')
    assert.equal(answer.headers.vary, 'Accept-Encoding, Origin, Sec-Fetch-Site')
  })

  it('answers HEAD without a body, and streams a body sent after `Expect: 100-continue`', async () => {
    const head = await send(`${gateway.url}/api/orders/1`, { method: 'HEAD', headers: xhr() })
    assert.equal(head.status, 200)
    assert.equal(head.body, '')
    assert.equal(api.requests.at(-1)?.method, 'HEAD')

    // curl sends large uploads this way; Node answers the 100 on our hop.
    const req = httpRequest(`${gateway.url}/api/orders/upload`, {
      method: 'POST',
      headers: xhr({ expect: '100-continue', 'content-type': 'text/plain', 'content-length': '5' }),
      agent: false,
    })
    req.once('continue', () => req.end('hello'))
    const [res] = (await once(req, 'response')) as [IncomingMessage]
    res.resume()
    await once(res, 'end')
    assert.equal(res.statusCode, 200)
    const seen = api.requests.at(-1)
    assert.equal(seen?.url, '/v1/upload')
    assert.equal(seen?.headers.expect, undefined)
    assert.equal(seen?.headers['content-length'], '5')
  })

  it('does not follow an upstream redirect (P-06)', async () => {
    const answer = await send(`${gateway.url}/api/orders/redirect`, { headers: xhr() })
    assert.equal(answer.status, 302)
    assert.equal(answer.headers.location, `${canary.url}/stolen`)
    assert.equal(canary.requests.length, 0)
  })

  it('answers a method the route does not allow with 405 and no upstream call (P-03)', async () => {
    const hits = api.requests.length
    const answer = await send(`${gateway.url}/api/orders/1`, { method: 'DELETE', headers: xhr() })
    assert.equal(answer.status, 405)
    assert.equal(JSON.parse(answer.body).error, 'method_not_allowed')
    assert.equal(api.requests.length, hits)
  })

  it('answers an XHR without a session with 401 JSON, never a redirect', async () => {
    const hits = api.requests.length
    for (const method of ['GET', 'POST']) {
      const headers = { ...xhr(), cookie: '' }
      const body = method === 'POST' ? '{}' : undefined
      const answer = await send(`${gateway.url}/api/orders/1`, {
        method,
        headers,
        ...(body ? { body } : {}),
      })
      assert.equal(answer.status, 401)
      assert.equal(answer.headers.location, undefined)
      assert.match(String(answer.headers['content-type']), /^application\/json/)
      assert.equal(JSON.parse(answer.body).error, 'unauthenticated')
      assert.equal(answer.headers['access-control-allow-origin'], SPA_ORIGIN)
    }
    assert.equal(api.requests.length, hits)
  })

  it('refreshes and retries once after an upstream 401 invalid_token, for replayable calls only (P-11)', async () => {
    const refreshGrants = () =>
      gateway.idp.grants.filter((grant) => grant.grantType === 'refresh_token').length
    const grants = refreshGrants()
    refuse = 1
    const hits = api.requests.length
    const answer = await send(`${gateway.url}/api/orders/guarded`, { headers: xhr() })
    assert.equal(answer.status, 200)
    assert.equal(refreshGrants() - grants, 1, 'one refresh for the refused token')
    const [first, second] = api.requests.slice(hits)
    assert.equal(api.requests.length - hits, 2)
    assert.notEqual(first?.headers.authorization, second?.headers.authorization)

    refuse = 5
    const before = api.requests.length
    const refused = await send(`${gateway.url}/api/orders/guarded`, { headers: xhr() })
    assert.equal(refused.status, 401)
    assert.equal(api.requests.length - before, 2, 'one retry, no loop')

    refuse = 1
    const beforePost = api.requests.length
    const post = await send(`${gateway.url}/api/orders/guarded`, {
      method: 'POST',
      headers: xhr({ 'content-type': 'application/json' }),
      body: '{"a":1}',
    })
    assert.equal(post.status, 401, 'a POST with a body is not replayed')
    assert.equal(api.requests.length - beforePost, 1)
    refuse = 0
  })

  it('answers 504 JSON when the upstream is too slow and 502 JSON when it is down', async () => {
    const slow = await send(`${gateway.url}/api/slow/x`, { headers: xhr() })
    assert.equal(slow.status, 504)
    assert.equal(JSON.parse(slow.body).error, 'upstream_timeout')
    assert.equal(slow.headers['access-control-allow-origin'], SPA_ORIGIN)
    const down = await send(`${gateway.url}/api/down/x`, { headers: xhr() })
    assert.equal(down.status, 502)
    assert.equal(JSON.parse(down.body).error, 'upstream_unavailable')
    // With a request body the upstream never read, the browser still gets its answer.
    const post = await send(`${gateway.url}/api/down/x`, {
      method: 'POST',
      headers: xhr({ 'content-type': 'application/json' }),
      body: JSON.stringify({ big: 'x'.repeat(256 * 1024) }),
    })
    assert.equal(post.status, 502)
    assert.equal(JSON.parse(post.body).error, 'upstream_unavailable')
    for (const body of [slow.body, down.body]) {
      for (const token of gateway.idp.issuedTokens()) assert.ok(!body.includes(token))
    }
  })

  it('cuts the browser connection when the upstream dies mid-body, instead of ending cleanly', async () => {
    await assert.rejects(send(`${gateway.url}/api/orders/cut`, { headers: xhr() }))
  })

  it('aborts the upstream call when the browser leaves mid-response', async () => {
    endlessClosed = createDeferred<void>()
    const req = httpRequest(`${gateway.url}/api/orders/endless`, { headers: xhr(), agent: false })
    req.on('error', () => {})
    req.end()
    const [res] = (await once(req, 'response')) as [IncomingMessage]
    assert.equal(res.statusCode, 200)
    await once(res, 'data')
    req.destroy()
    await endlessClosed.promise
  })

  it('aborts the upstream call when the browser leaves before the answer starts', async () => {
    hangingReached = createDeferred<void>()
    hangingClosed = createDeferred<void>()
    const req = httpRequest(`${gateway.url}/api/orders/hanging`, { headers: xhr(), agent: false })
    req.on('error', () => {})
    req.end()
    await hangingReached.promise
    req.destroy()
    // Well before the route's 30 s timeout would have given the call up.
    let timer: NodeJS.Timeout | undefined
    const late = new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error('the upstream call is still open')), 2000)
    })
    try {
      await Promise.race([hangingClosed.promise, late])
    } finally {
      clearTimeout(timer)
    }
  })

  it('leaves CORS preflights and auth endpoints to the Web adapter', async () => {
    const preflight = await send(`${gateway.url}/api/orders/1`, {
      method: 'OPTIONS',
      headers: {
        origin: SPA_ORIGIN,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'x-csrf, content-type',
      },
    })
    assert.equal(preflight.status, 204)
    assert.equal(preflight.headers['access-control-allow-origin'], SPA_ORIGIN)
    const session = await send(`${gateway.url}/auth/session`, { headers: xhr() })
    assert.equal(session.status, 200)
    for (const token of gateway.idp.issuedTokens()) assert.ok(!session.body.includes(token))
  })
})
