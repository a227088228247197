import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { once } from 'node:events'
import { createServer, type AddressInfo, type Socket } from 'node:net'
import { after, before, describe, it } from 'node:test'
import {
  createUpstreamPool,
  UpstreamExchangeError,
  type UpstreamAnswer,
  type UpstreamPool,
} from './upstream-pool.ts'

// Each answer's head and body go out in one write, so its first read holds far more than
// the few kB the pool copies: the answer keeps the read memory itself.
const BODY_BYTES = 60_000

/** Reads the rest of `answer`'s body, calling `keep` after every piece when asked to. */
function readAll(answer: UpstreamAnswer, keepEach: boolean): Promise<Buffer> {
  const pieces = answer.first.data.map((piece) => Buffer.from(piece))
  return new Promise((resolve, reject) => {
    answer.read({
      data(chunk) {
        pieces.push(Buffer.from(chunk))
        if (keepEach) answer.keep()
        return true
      },
      end: (error) => (error ? reject(error) : resolve(Buffer.concat(pieces))),
    })
  })
}

/**
 * An upstream on 127.0.0.1 that answers each request head with `respond`, and a pool in
 * front of it, for the tests of the enclosing `describe`.
 */
function upstreamWithPool(respond: (socket: Socket, head: string) => void) {
  const sockets = new Set<Socket>()
  let pool: UpstreamPool
  let url: URL
  const server = createServer((socket) => {
    sockets.add(socket)
    let text = ''
    socket.on('data', (chunk: Buffer) => {
      text += chunk.toString('latin1')
      while (text.includes('\r\n\r\n')) {
        const end = text.indexOf('\r\n\r\n')
        const head = text.slice(0, end)
        text = text.slice(end + 4)
        respond(socket, head)
      }
    })
  })

  before(async () => {
    server.listen(0, '127.0.0.1')
    await once(server, 'listening')
    url = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`)
    pool = createUpstreamPool()
  })
  after(async () => {
    pool.close()
    for (const socket of sockets) socket.destroy()
    server.close()
    await once(server, 'close')
  })

  return {
    /** Connections the upstream accepted so far. */
    connections: () => sockets.size,
    async send(path = '/'): Promise<UpstreamAnswer> {
      const answer = await pool.send({
        origin: url.origin,
        head: `GET ${path} HTTP/1.1\r\nhost: ${url.host}\r\n\r\n`,
        method: 'GET',
        timeoutMs: 5000,
        replayable: true,
        control: { aborted: false, abort: undefined },
      })
      if (answer instanceof UpstreamExchangeError) throw answer
      return answer
    },
  }
}

describe('upstream pool read memory', { timeout: 10_000 }, () => {
  const bodies: Buffer[] = []
  const { send } = upstreamWithPool((socket) => {
    const body = randomBytes(BODY_BYTES)
    bodies.push(body)
    const head = `HTTP/1.1 200 OK\r\ncontent-length: ${body.length}\r\n\r\n`
    socket.write(Buffer.concat([Buffer.from(head, 'latin1'), body]))
  })

  it('reads the next answer into the memory the last one gave back, not into new memory', async () => {
    const one = await send()
    assert.ok(one.first.data.length > 0)
    const memory = one.first.data[0]?.buffer
    assert.ok((await readAll(one, false)).equals(bodies.at(-1) ?? Buffer.alloc(0)))
    const two = await send()
    assert.ok((await readAll(two, false)).equals(bodies.at(-1) ?? Buffer.alloc(0)))
    const three = await send()
    assert.equal(three.first.data[0]?.buffer, memory, 'the memory of the first answer, again')
    await readAll(three, false)
  })

  it('never reads into memory a consumer kept: what it holds stays as it was', async () => {
    const one = await send()
    const held = one.first.data
    const expected = bodies.at(-1) ?? Buffer.alloc(0)
    // A socket write that did not go out at once still points into these bytes.
    one.keep()
    assert.ok((await readAll(one, true)).equals(expected))
    for (let i = 0; i < 3; i++) await readAll(await send(), true)
    let at = 0
    for (const piece of held) {
      assert.ok(piece.equals(expected.subarray(at, at + piece.length)), 'the kept bytes unchanged')
      at += piece.length
    }
  })
})

describe('upstream pool answers complete with their head', { timeout: 10_000 }, () => {
  // `GET /junk` is answered, then followed by bytes nobody asked for.
  const upstream = upstreamWithPool((socket, head) => {
    socket.write('HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n{}')
    if (head.startsWith('GET /junk ')) setTimeout(() => socket.write('HTTP/1.1 200 OK\r\n'), 10)
  })
  const { send } = upstream

  it('reuses the connection once the answer is read', async () => {
    for (let i = 0; i < 3; i++) {
      const answer = await send('/')
      assert.equal(Buffer.concat(answer.first.data).toString(), '{}')
      assert.ok(answer.first.done)
      await readAll(answer, false)
    }
    assert.equal(upstream.connections(), 1)
  })

  it('never reuses a connection that sent bytes before its answer was read', async () => {
    const before = upstream.connections()
    const answer = await send('/junk')
    // The unasked bytes arrive while the answer waits to be read.
    await new Promise((resolve) => setTimeout(resolve, 100))
    assert.equal((await readAll(answer, false)).toString(), '{}')
    const next = await send('/')
    assert.equal(Buffer.concat(next.first.data).toString(), '{}')
    await readAll(next, false)
    assert.equal(upstream.connections(), before + 1, 'a new connection for the next call')
  })
})
