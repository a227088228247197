import assert from 'node:assert/strict'
import { once } from 'node:events'
import { connect, createServer, type AddressInfo, type Socket } from 'node:net'
import { after, before, describe, it } from 'node:test'
import { createTeardown, type Cleanup } from './support/cleanup.ts'
import { SPA_ORIGIN, startGateway, type Gateway } from './support/gateway.ts'

/** A scripted upstream on raw sockets: `answer` writes whatever bytes a test needs. */
interface RawUpstream {
  readonly url: string
  /** Request heads received, in order. */
  readonly heads: string[]
}

type Answer = (path: string, socket: Socket, served: number) => void

async function startRawUpstream(t: Cleanup, answer: Answer): Promise<RawUpstream> {
  const heads: string[] = []
  const server = createServer((socket) => {
    let buffer = ''
    let served = 0
    socket.on('error', () => {})
    socket.setEncoding('latin1')
    socket.on('data', (chunk: string) => {
      buffer += chunk
      for (let end = buffer.indexOf('\r\n\r\n'); end >= 0; end = buffer.indexOf('\r\n\r\n')) {
        const head = buffer.slice(0, end)
        buffer = buffer.slice(end + 4)
        heads.push(head)
        answer(head.split(' ')[1] ?? '/', socket, served++)
      }
    })
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())))
  t.after(() => void server.unref())
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, heads }
}

/** A raw client connection: write bytes, read until a condition holds. */
class RawClient {
  private readonly socket: Socket
  received = ''
  closed = false

  constructor(port: number) {
    this.socket = connect(port, '127.0.0.1')
    this.socket.setEncoding('latin1')
    this.socket.on('data', (chunk: string) => (this.received += chunk))
    this.socket.on('close', () => (this.closed = true))
    this.socket.on('error', () => {})
  }

  write(text: string): void {
    this.socket.write(text, 'latin1')
  }

  /** Waits until `done(received)` or the socket closes; fails after 5 s. */
  async until(done: (received: string) => boolean): Promise<string> {
    const deadline = Date.now() + 5000
    while (!done(this.received) && !this.closed) {
      if (Date.now() > deadline) assert.fail(`timed out; received so far:\n${this.received}`)
      await new Promise((resolve) => setTimeout(resolve, 5))
    }
    return this.received
  }

  close(): void {
    this.socket.destroy()
  }
}

/** How many complete responses (head and `Content-Length` or chunked body) `text` holds. */
function responses(text: string): { head: string; body: string }[] {
  const out: { head: string; body: string }[] = []
  let rest = text
  for (;;) {
    const end = rest.indexOf('\r\n\r\n')
    if (end < 0) return out
    const head = rest.slice(0, end)
    let body = rest.slice(end + 4)
    const length = /\r\ncontent-length: *(\d+)/i.exec(head)
    const bodyless = /^HTTP\/1\.1 (1\d\d|204|304)/.test(head) || head.includes('x-head: 1')
    if (/\r\ntransfer-encoding: *chunked/i.test(head)) {
      let decoded = ''
      let at = 0
      for (;;) {
        const lf = body.indexOf('\r\n', at)
        if (lf < 0) return out
        const size = parseInt(body.slice(at, lf), 16)
        if (size === 0) {
          if (body.indexOf('\r\n', lf + 2) !== lf + 2) return out
          rest = body.slice(lf + 4)
          break
        }
        if (body.length < lf + 2 + size + 2) return out
        decoded += body.slice(lf + 2, lf + 2 + size)
        at = lf + 2 + size + 2
      }
      out.push({ head, body: decoded })
      continue
    }
    const size = bodyless || !length ? 0 : Number(length[1])
    if (body.length < size) return out
    out.push({ head, body: body.slice(0, size) })
    rest = body.slice(size)
    body = ''
  }
}

describe('the raw-socket path for API calls', { timeout: 30_000 }, () => {
  const teardown = createTeardown()
  let gateway: Gateway
  let upstream: RawUpstream
  let cookie: string

  before(async () => {
    upstream = await startRawUpstream(teardown, (path, socket, served) => {
      const json = (body: string, extra = '') =>
        socket.write(
          `HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\n${extra}\r\n${body}`,
        )
      if (path.startsWith('/chunked')) {
        socket.write(
          'HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\ntrailer: set-cookie\r\n\r\n' +
            '5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nset-cookie: planted=1\r\n\r\n',
        )
      } else if (path.startsWith('/until-close')) {
        socket.end('HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\n\r\nall of it, then EOF')
      } else if (path.startsWith('/bare-cr')) {
        socket.write('HTTP/1.1 200 OK\r\nx-evil: a\rset-cookie: b=1\r\ncontent-length: 0\r\n\r\n')
      } else if (path.startsWith('/two-lengths')) {
        socket.write('HTTP/1.1 200 OK\r\ncontent-length: 3\r\ncontent-length: 4\r\n\r\nabcd')
      } else if (path.startsWith('/early-hints')) {
        socket.write('HTTP/1.1 103 Early Hints\r\nlink: </a.css>; rel=preload\r\n\r\n')
        json('{"final":true}')
      } else if (path.startsWith('/sized/')) {
        const size = Number(path.slice('/sized/'.length))
        json(String.fromCharCode(97 + (size % 26)).repeat(size))
      } else if (path.startsWith('/no-content')) {
        socket.write('HTTP/1.1 204 No Content\r\nx-kind: none\r\n\r\n')
      } else if (path.startsWith('/retire')) {
        // Answers once per connection, then closes it when the next request arrives, as an
        // upstream does that retires an idle connection just as it is reused.
        if (served === 0) json(`{"path":"${path}"}`)
        else socket.destroy()
      } else {
        json(`{"path":"${path}"}`)
      }
    })
    gateway = await startGateway(teardown, {
      routes: [{ path: '/api/w', upstream: upstream.url, methods: ['GET', 'HEAD', 'POST'] }],
    })
    cookie = await gateway.login()
  })
  after(() => teardown.run())

  const request = (path: string, method = 'GET', extra = '') => {
    const headers = {
      ...gateway.apiHeaders(cookie),
      'sec-fetch-mode': 'cors',
      'sec-fetch-site': 'same-site',
      accept: 'application/json',
    }
    let text = `${method} ${path} HTTP/1.1\r\nHost: 127.0.0.1:${gateway.port}\r\n`
    for (const [name, value] of Object.entries(headers)) text += `${name}: ${value}\r\n`
    return `${text}${extra}\r\n`
  }

  const client = () => {
    const raw = new RawClient(gateway.port)
    teardown.after(() => raw.close())
    return raw
  }

  it('serves an API call, then an auth endpoint, then an API call on one connection', async () => {
    const raw = client()
    raw.write(request('/api/w/one'))
    await raw.until((text) => responses(text).length === 1)
    raw.write(request('/auth/session'))
    await raw.until((text) => responses(text).length === 2)
    raw.write(request('/api/w/three'))
    const [one, session, three] = responses(await raw.until((text) => responses(text).length === 3))
    assert.match(one?.head ?? '', /^HTTP\/1\.1 200/)
    assert.equal(JSON.parse(one?.body ?? '').path, '/one')
    assert.match(session?.head ?? '', /^HTTP\/1\.1 200/)
    assert.equal(JSON.parse(session?.body ?? '').authenticated, true)
    assert.equal(JSON.parse(three?.body ?? '').path, '/three')
    assert.match(one?.head ?? '', new RegExp(`access-control-allow-origin: ${SPA_ORIGIN}`, 'i'))
    assert.match(one?.head ?? '', /\r\nvary: Origin, Sec-Fetch-Site/i)
  })

  it('answers pipelined API calls in order', async () => {
    const raw = client()
    raw.write(request('/api/w/first') + request('/api/w/second'))
    const [first, second] = responses(await raw.until((text) => responses(text).length === 2))
    assert.equal(JSON.parse(first?.body ?? '').path, '/first')
    assert.equal(JSON.parse(second?.body ?? '').path, '/second')
  })

  it('sends the token and none of the browser credentials upstream (P-04, P-05)', async () => {
    const raw = client()
    raw.write(
      request(
        '/api/w/headers',
        'GET',
        'Authorization: Bearer forged\r\nX-Forwarded-Host: evil\r\n',
      ),
    )
    await raw.until((text) => responses(text).length === 1)
    const head = upstream.heads.findLast((each) => each.includes('/headers')) ?? ''
    assert.match(head, /\r\nauthorization: Bearer (?!forged)\S+/)
    assert.doesNotMatch(head, /forged|cookie:|x-csrf|evil/i)
    assert.match(head, /\r\nx-forwarded-for: 127\.0\.0\.1/)
  })

  it('hands a request with both Content-Length and Transfer-Encoding to node:http, which refuses it', async () => {
    const before = upstream.heads.length
    const raw = client()
    raw.write(
      request('/api/w/smuggle', 'POST', 'Content-Length: 5\r\nTransfer-Encoding: chunked\r\n') +
        '0\r\n\r\nGET /api/w/hidden HTTP/1.1\r\nHost: x\r\n\r\n',
    )
    const text = await raw.until((received) => received.includes('\r\n\r\n') && raw.closed)
    assert.match(text, /^HTTP\/1\.1 400/)
    assert.equal(upstream.heads.length, before)
  })

  it('hands obs-fold and bare-LF requests to node:http, which refuses them', async () => {
    for (const bad of [
      request('/api/w/fold', 'GET', 'X-Folded: a\r\n b\r\n'),
      request('/api/w/lf').replace('\r\naccept', '\naccept'),
    ]) {
      const raw = client()
      raw.write(bad)
      const text = await raw.until((received) => raw.closed || received.includes('\r\n\r\n'))
      assert.match(text, /^HTTP\/1\.1 400/)
    }
    assert.ok(!upstream.heads.some((head) => /\/fold|\/lf/.test(head)))
  })

  it('re-chunks a chunked upstream body and drops its trailer fields (P-07)', async () => {
    const raw = client()
    raw.write(request('/api/w/chunked'))
    const text = await raw.until((received) => responses(received).length === 1)
    const [answer] = responses(text)
    assert.equal(answer?.body, 'hello world')
    assert.doesNotMatch(text, /planted|ext=1|trailer:/i)
  })

  it('relays answers of every size byte for byte, keeping the framing for the next call', async () => {
    const raw = client()
    // Around the one-write limit (16 KiB), Node's read size (64 KiB) and the pool's (128 KiB).
    const sizes = [16_384, 16_385, 65_000, 65_536, 130_000, 131_072, 300_000, 7]
    raw.write(sizes.map((size) => request(`/api/w/sized/${size}`)).join(''))
    const answers = responses(await raw.until((text) => responses(text).length === sizes.length))
    assert.deepEqual(
      answers.map((answer) => answer.body),
      sizes.map((size) => String.fromCharCode(97 + (size % 26)).repeat(size)),
    )
    assert.ok(answers.every((answer) => /^HTTP\/1\.1 200/.test(answer.head)))
  })

  it('relays a body that ends with the upstream connection, whole and chunked', async () => {
    const raw = client()
    raw.write(request('/api/w/until-close'))
    const [answer] = responses(await raw.until((received) => responses(received).length === 1))
    assert.equal(answer?.body, 'all of it, then EOF')
    assert.match(answer?.head ?? '', /\r\ntransfer-encoding: chunked/i)
  })

  it('answers 502 to an upstream head with a bare CR or conflicting lengths', async () => {
    for (const path of ['/api/w/bare-cr', '/api/w/two-lengths']) {
      const raw = client()
      raw.write(request(path))
      const text = await raw.until((received) => responses(received).length === 1)
      const [answer] = responses(text)
      assert.match(answer?.head ?? '', /^HTTP\/1\.1 502/)
      assert.equal(JSON.parse(answer?.body ?? '').error, 'upstream_unavailable')
      assert.doesNotMatch(text, /planted|b=1|abcd/)
    }
  })

  it('skips 103 Early Hints and relays the final answer', async () => {
    const raw = client()
    raw.write(request('/api/w/early-hints'))
    const text = await raw.until((received) => responses(received).length === 1)
    assert.match(text, /^HTTP\/1\.1 200/)
    assert.equal(JSON.parse(responses(text)[0]?.body ?? '').final, true)
  })

  it('keeps the framing right after HEAD and 204 answers on the same connection', async () => {
    const raw = client()
    raw.write(request('/api/w/head-me', 'HEAD', 'x-head: 1\r\n'))
    await raw.until((text) => text.includes('\r\n\r\n'))
    raw.write(request('/api/w/no-content'))
    await raw.until((text) => /HTTP\/1\.1 204/.test(text))
    raw.write(request('/api/w/after'))
    const text = await raw.until((received) => received.includes('"/after"'))
    const heads = text.split(/\r\n\r\n/)
    assert.match(heads[0] ?? '', /^HTTP\/1\.1 200[\s\S]*content-length: 19/i)
    assert.match(heads[1] ?? '', /^HTTP\/1\.1 204/)
    assert.match(heads[2] ?? '', /^HTTP\/1\.1 200/)
    assert.equal(heads[3], '{"path":"/after"}')
  })

  it('sends a replayable call again when the upstream retires a pooled connection', async () => {
    const raw = client()
    raw.write(request('/api/w/retire/1'))
    await raw.until((text) => responses(text).length === 1)
    raw.write(request('/api/w/retire/2'))
    const text = await raw.until((received) => responses(received).length === 2)
    const [, second] = responses(text)
    assert.match(second?.head ?? '', /^HTTP\/1\.1 200/)
    assert.equal(JSON.parse(second?.body ?? '').path, '/retire/2')
  })

  it('answers 502 rather than sending a POST twice on a retired connection', async () => {
    const raw = client()
    // A pooled connection that has served a call: the POST goes out on it.
    raw.write(request('/api/w/warm'))
    await raw.until((text) => responses(text).length === 1)
    raw.write(request('/api/w/retire/b', 'POST', 'Content-Length: 0\r\n'))
    const text = await raw.until((received) => responses(received).length === 2)
    assert.match(responses(text)[1]?.head ?? '', /^HTTP\/1\.1 502/)
    assert.equal(upstream.heads.filter((head) => head.includes('/retire/b')).length, 1)
  })

  it('lets node:http answer 431 to a head over the size limit', async () => {
    const raw = client()
    raw.write(request('/api/w/big', 'GET', `X-Big: ${'a'.repeat(20_000)}\r\n`))
    const text = await raw.until((received) => received.includes('\r\n\r\n') || raw.closed)
    assert.match(text, /^HTTP\/1\.1 431/)
  })
})

describe('raw-socket connections over time', { timeout: 30_000 }, () => {
  const teardown = createTeardown()
  let gateway: Gateway
  let cookie: string

  before(async () => {
    const upstream = await startRawUpstream(teardown, (path, socket) =>
      socket.write(`HTTP/1.1 200 OK\r\ncontent-length: ${path.length}\r\n\r\n${path}`),
    )
    gateway = await startGateway(teardown, {
      routes: [{ path: '/api/t', upstream: upstream.url }],
      timeouts: { keepAliveMs: 300 },
    })
    cookie = await gateway.login()
  })
  after(() => teardown.run())

  const request = (path: string, extra = '') => {
    let text = `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${gateway.port}\r\n`
    for (const [name, value] of Object.entries(gateway.apiHeaders(cookie))) {
      text += `${name}: ${value}\r\n`
    }
    return `${text}sec-fetch-site: same-site\r\n${extra}\r\n`
  }

  it('closes a keep-alive connection left idle for keepAliveMs', async () => {
    const raw = new RawClient(gateway.port)
    teardown.after(() => raw.close())
    raw.write(request('/api/t/idle'))
    await raw.until((text) => text.endsWith('/idle'))
    const started = Date.now()
    await raw.until(() => raw.closed)
    assert.ok(raw.closed, 'closed by the server')
    assert.ok(Date.now() - started >= 200, 'not before the keep-alive time')
  })

  it('closes a connection whose head trickles in for longer than keepAliveMs (slowloris)', async () => {
    const raw = new RawClient(gateway.port)
    teardown.after(() => raw.close())
    const started = Date.now()
    const text = request('/api/t/slow')
    for (let i = 0; i < 40 && !raw.closed; i++) {
      raw.write(text[i] as string)
      await new Promise((resolve) => setTimeout(resolve, 25))
    }
    assert.ok(raw.closed, 'closed while the head was still arriving')
    assert.ok(Date.now() - started < 900)
    assert.equal(raw.received, '')
  })

  it('answers Connection: close in kind and then closes', async () => {
    const raw = new RawClient(gateway.port)
    teardown.after(() => raw.close())
    raw.write(request('/api/t/last', 'Connection: close\r\n'))
    const text = await raw.until(() => raw.closed)
    assert.match(text, /^HTTP\/1\.1 200[\s\S]*\r\nconnection: close\r\n[\s\S]*\/last$/i)
  })
})
