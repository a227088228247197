import assert from 'node:assert/strict'
import { once } from 'node:events'
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http'
import { after, before, describe, it } from 'node:test'
import { WebSocket, WebSocketServer, type ClientOptions } from 'ws'
import { createTeardown, type Cleanup } from './support/cleanup.ts'
import { SPA_ORIGIN, startGateway, type Gateway } from './support/gateway.ts'
import { freePort, sendRaw } from './support/http-client.ts'
import { startUpstream } from './support/upstream.ts'

/** A WebSocket echo API; records the headers of every handshake that reached it. */
async function startEchoUpstream(t: Cleanup) {
  const upstream = await startUpstream(t)
  const handshakes: IncomingHttpHeaders[] = []
  upstream.server.prependListener('upgrade', (req: IncomingMessage) => handshakes.push(req.headers))
  const wss = new WebSocketServer({
    server: upstream.server,
    // An API that refuses some handshakes itself.
    verifyClient: (info, done) => done(!info.req.url?.startsWith('/deny'), 403),
  })
  wss.on('connection', (socket) =>
    socket.on('message', (data, binary) => socket.send(data, { binary })),
  )
  t.after(() => new Promise((resolve) => wss.close(resolve)))
  return { upstream, handshakes }
}

/** Opens a WebSocket and waits for it to be open. */
async function openSocket(url: string, options: ClientOptions): Promise<WebSocket> {
  const socket = new WebSocket(url, options)
  await once(socket, 'open')
  return socket
}

/** A handshake that must be refused: its status and JSON body, and proof nothing upgraded. */
async function refusal(
  url: string,
  options: ClientOptions,
): Promise<{ status: number; body: string }> {
  const socket = new WebSocket(url, options)
  socket.on('error', () => {})
  return new Promise((resolve, reject) => {
    socket.once('open', () => {
      socket.terminate()
      reject(new Error('the handshake was upgraded'))
    })
    socket.once('unexpected-response', (_req, res: IncomingMessage) => {
      let body = ''
      res.on('data', (chunk) => (body += String(chunk)))
      res.once('end', () => resolve({ status: res.statusCode ?? 0, body }))
    })
  })
}

describe('WebSockets through the gateway', { timeout: 30_000 }, () => {
  const teardown = createTeardown()
  let gateway: Gateway
  let echo: Awaited<ReturnType<typeof startEchoUpstream>>
  let cookie: string
  let wsBase: string

  before(async () => {
    echo = await startEchoUpstream(teardown)
    // An API that takes the handshake and never answers it.
    const silent = await startUpstream(teardown)
    silent.server.on('upgrade', () => {})
    gateway = await startGateway(teardown, {
      routes: [
        { path: '/api/silent', upstream: silent.url, websocket: true, timeoutMs: 200 },
        { path: '/api/down', upstream: `http://127.0.0.1:${await freePort()}`, websocket: true },
        { path: '/api/live', upstream: `${echo.upstream.url}/socket`, websocket: true },
        { path: '/api/deny', upstream: `${echo.upstream.url}/deny`, websocket: true },
        { path: '/api/plain', upstream: `${echo.upstream.url}/plain` },
      ],
    })
    cookie = await gateway.login()
    wsBase = gateway.url.replace(/^http/, 'ws')
  })
  after(() => teardown.run())

  it('echoes a round trip with the user’s access token injected on the handshake', async () => {
    const socket = await openSocket(`${wsBase}/api/live/echo?room=1`, {
      origin: SPA_ORIGIN,
      headers: { cookie, authorization: 'Bearer browser-supplied' },
    })
    const echoed = once(socket, 'message')
    socket.send('hello through the coatcheck')
    const [data] = (await echoed) as [Buffer]
    assert.equal(String(data), 'hello through the coatcheck')
    const binary = once(socket, 'message')
    socket.send(Buffer.from([0, 1, 2, 255]))
    assert.deepEqual([...((await binary) as [Buffer])[0]], [0, 1, 2, 255])

    const seen = echo.handshakes.at(-1) ?? {}
    const token = String(seen.authorization).replace(/^Bearer /, '')
    assert.ok(gateway.idp.issuedTokens().includes(token), 'the user’s access token')
    assert.equal(seen.cookie, undefined, 'the session cookie stays at Coatcheck')
    assert.equal(seen.origin, SPA_ORIGIN)
    assert.equal(seen['x-forwarded-host'], `localhost:${gateway.port}`)
    socket.close()
    await once(socket, 'close')
  })

  it('never shows a token in the 101 answer', async () => {
    const socket = new WebSocket(`${wsBase}/api/live/echo`, {
      origin: SPA_ORIGIN,
      headers: { cookie },
    })
    const opened = once(socket, 'open')
    const [response] = (await once(socket, 'upgrade')) as [IncomingMessage]
    await opened
    const head = JSON.stringify(response.headers)
    for (const token of gateway.idp.issuedTokens()) assert.ok(!head.includes(token))
    socket.close()
    await once(socket, 'close')
  })

  it('refuses a handshake from a foreign Origin with 403, without upgrading or calling the API', async () => {
    const before = echo.handshakes.length
    for (const origin of ['https://evil.example', 'null']) {
      const answer = await refusal(`${wsBase}/api/live/echo`, { origin, headers: { cookie } })
      assert.equal(answer.status, 403)
      assert.equal(JSON.parse(answer.body).error, 'origin_not_allowed')
    }
    // No Origin at all (not a browser, or a stripped one) is refused too.
    const bare = await refusal(`${wsBase}/api/live/echo`, { headers: { cookie } })
    assert.equal(bare.status, 403)
    assert.equal(echo.handshakes.length, before)
  })

  it('refuses a handshake without a session with 401 JSON', async () => {
    const before = echo.handshakes.length
    const answer = await refusal(`${wsBase}/api/live/echo`, { origin: SPA_ORIGIN })
    assert.equal(answer.status, 401)
    assert.equal(JSON.parse(answer.body).error, 'unauthenticated')
    assert.equal(echo.handshakes.length, before)
  })

  it('refuses a handshake on a route without `websocket: true`', async () => {
    const before = echo.handshakes.length
    const answer = await refusal(`${wsBase}/api/plain/x`, {
      origin: SPA_ORIGIN,
      headers: { cookie },
    })
    assert.equal(answer.status, 405)
    assert.equal(JSON.parse(answer.body).error, 'method_not_allowed')
    const unknown = await refusal(`${wsBase}/nowhere`, { origin: SPA_ORIGIN, headers: { cookie } })
    assert.equal(unknown.status, 404)
    assert.equal(echo.handshakes.length, before)
  })

  it('relays the API’s own refusal of a handshake', async () => {
    const answer = await refusal(`${wsBase}/api/deny/x`, {
      origin: SPA_ORIGIN,
      headers: { cookie },
    })
    assert.equal(answer.status, 403)
    assert.equal(answer.body, '')
  })

  it('answers 504 JSON when the API does not answer the handshake in time, 502 when it is down', async () => {
    const slow = await refusal(`${wsBase}/api/silent/x`, {
      origin: SPA_ORIGIN,
      headers: { cookie },
    })
    assert.equal(slow.status, 504)
    assert.equal(JSON.parse(slow.body).error, 'upstream_timeout')
    const down = await refusal(`${wsBase}/api/down/x`, { origin: SPA_ORIGIN, headers: { cookie } })
    assert.equal(down.status, 502)
    assert.equal(JSON.parse(down.body).error, 'upstream_unavailable')
  })

  it('serves another Upgrade (h2c) as the plain request it also is', async () => {
    const answer = await sendRaw(
      gateway.port,
      `GET /api/plain/x HTTP/1.1\r\nHost: localhost:${gateway.port}\r\nOrigin: ${SPA_ORIGIN}\r\n` +
        `X-CSRF: 1\r\nCookie: ${cookie}\r\nConnection: Upgrade, HTTP2-Settings, close\r\n` +
        'Upgrade: h2c\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n\r\n',
    )
    assert.match(answer, /^HTTP\/1\.1 200 /)
    const seen = echo.upstream.requests.at(-1)?.headers ?? {}
    assert.equal(seen.upgrade, undefined, 'Upgrade is hop-by-hop')
    assert.equal(seen['http2-settings'], undefined, 'and so is what Connection names')
  })

  it('closes upgraded connections when the server closes', { timeout: 10_000 }, async (t) => {
    const own = await startGateway(t, {
      routes: [{ path: '/api/live', upstream: `${echo.upstream.url}/socket`, websocket: true }],
    })
    const socket = await openSocket(`${own.url.replace(/^http/, 'ws')}/api/live/x`, {
      origin: SPA_ORIGIN,
      headers: { cookie: await own.login() },
    })
    socket.on('error', () => {})
    const closed = once(socket, 'close')
    const began = performance.now()
    await own.server.close()
    await closed
    // Well inside the default 10 s grace: a WebSocket never ends by itself, so it is not waited for.
    assert.ok(performance.now() - began < 5_000)
  })
})
