import assert from 'node:assert/strict'
import { createHash, randomBytes } from 'node:crypto'
import { once } from 'node:events'
import { createServer, request as httpRequest, type IncomingMessage } from 'node:http'
import { connect, type AddressInfo } from 'node:net'
import { describe, it, type TestContext } from 'node:test'
import { createDeferred } from '../src/internal/deferred.ts'
import { createNodeListener, type NodeListenerOptions, type RequestHandle } from '../src/index.ts'

/** Serves `handle` on 127.0.0.1:0 until the test ends. */
async function serve(t: TestContext, handle: RequestHandle, options: NodeListenerOptions = {}) {
  const server = createServer(createNodeListener(handle, options))
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  t.after(async () => {
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
  })
  const { port } = server.address() as AddressInfo
  return { port, url: `http://127.0.0.1:${port}` }
}

/** Sends raw bytes and returns everything the server wrote before closing. */
async function sendRaw(port: number, text: string): Promise<string> {
  const socket = connect(port, '127.0.0.1')
  socket.end(text)
  let received = ''
  socket.setEncoding('utf8')
  for await (const chunk of socket) received += chunk
  return received
}

function readBody(res: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    res.on('data', (chunk: Buffer) => chunks.push(chunk))
    res.on('end', () => resolve(Buffer.concat(chunks)))
    res.on('error', reject)
  })
}

describe('createNodeListener', () => {
  it('streams a 5 MiB upload back while it is still arriving', async (t) => {
    let chunksSeen = 0
    const server = await serve(t, async (request) => {
      assert.ok(request.body)
      const counter = new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, controller) {
          chunksSeen++
          controller.enqueue(chunk)
        },
      })
      return new Response(request.body.pipeThrough(counter), { status: 200 })
    })
    const upload = randomBytes(5 * 1024 * 1024)
    const sent = { bytes: 0 }
    let sentWhenResponseStarted = -1

    const req = httpRequest(`${server.url}/echo`, { method: 'POST' })
    const response = new Promise<Buffer>((resolve, reject) => {
      req.on('response', (res) => {
        res.once('data', () => (sentWhenResponseStarted = sent.bytes))
        readBody(res).then(resolve, reject)
      })
      req.on('error', reject)
    })
    for (let offset = 0; offset < upload.length; offset += 64 * 1024) {
      const chunk = upload.subarray(offset, offset + 64 * 1024)
      sent.bytes += chunk.length
      if (!req.write(chunk)) await once(req, 'drain')
    }
    req.end()
    const echoed = await response

    assert.equal(echoed.length, upload.length)
    assert.equal(
      createHash('sha256').update(echoed).digest('hex'),
      createHash('sha256').update(upload).digest('hex'),
    )
    // The first echoed bytes came back before the last uploaded ones left: nothing waited for
    // the whole body on either side.
    assert.ok(sentWhenResponseStarted > 0 && sentWhenResponseStarted < upload.length)
    assert.ok(chunksSeen > 1)
  })

  it('sends each response chunk as soon as the handler produces it', async (t) => {
    const firstChunkReceived = createDeferred<void>()
    const server = await serve(t, async () => {
      const encoder = new TextEncoder()
      const body = new ReadableStream<Uint8Array>({
        async start(controller) {
          controller.enqueue(encoder.encode('first;'))
          // The second chunk only exists once the client has the first one.
          await firstChunkReceived.promise
          controller.enqueue(encoder.encode('second'))
          controller.close()
        },
      })
      return new Response(body)
    })
    const res = await new Promise<IncomingMessage>((resolve) =>
      httpRequest(server.url, resolve).end(),
    )
    const [first] = (await once(res, 'data')) as [Buffer]
    assert.equal(first.toString(), 'first;')
    firstChunkReceived.resolve()
    assert.equal((await readBody(res)).toString(), 'second')
  })

  it('sends every Set-Cookie as its own header line', async (t) => {
    const cookies = [
      '__Host-a=1; Path=/; Secure; HttpOnly; SameSite=Strict',
      'b=2; Expires=Wed, 21 Oct 2026 07:28:00 GMT; Path=/',
      'c=3; Path=/',
    ]
    const server = await serve(t, async () => {
      const headers = new Headers({ 'content-type': 'text/plain' })
      for (const cookie of cookies) headers.append('set-cookie', cookie)
      return new Response('ok', { headers })
    })
    const res = await new Promise<IncomingMessage>((resolve) =>
      httpRequest(server.url, resolve).end(),
    )
    await readBody(res)
    assert.deepEqual(res.headers['set-cookie'], cookies)
    const raw = await sendRaw(server.port, 'GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')
    assert.equal(raw.match(/^set-cookie: /gim)?.length, 3)
  })

  it('turns an exception into a generic 500 without its message, and keeps serving', async (t) => {
    const reported: unknown[] = []
    let calls = 0
    const server = await serve(
      t,
      async () => {
        if (calls++ === 0) throw new Error('upstream said: token=eyJsecret')
        return new Response('still here')
      },
      { onError: (error) => reported.push(error) },
    )
    const res = await fetch(server.url)
    const text = await res.text()
    assert.equal(res.status, 500)
    assert.equal(res.headers.get('content-type'), 'application/json')
    assert.deepEqual(JSON.parse(text), {
      error: 'internal_error',
      message: 'Something went wrong inside Coatcheck.',
    })
    assert.ok(!text.includes('eyJsecret'))
    assert.equal(reported.length, 1)
    assert.equal(await (await fetch(server.url)).text(), 'still here')
  })

  it('cuts the connection when a response body fails midway, instead of ending it cleanly', async (t) => {
    const reported: unknown[] = []
    const server = await serve(
      t,
      async () => {
        let pulls = 0
        const body = new ReadableStream<Uint8Array>({
          pull(controller) {
            if (pulls++ === 0) controller.enqueue(new TextEncoder().encode('partial'))
            else controller.error(new Error('upstream reset'))
          },
        })
        return new Response(body)
      },
      { onError: (error) => reported.push(error) },
    )
    // Whether the status line got out first or not, the client must see a failure, never a
    // body that ends cleanly.
    await assert.rejects(fetch(server.url).then((res) => res.text()))
    assert.equal(reported.length, 1)
  })

  it('aborts request.signal when the client disconnects', async (t) => {
    const handlerStarted = createDeferred<void>()
    const aborted = createDeferred<void>()
    const server = await serve(t, async (request) => {
      request.signal.addEventListener('abort', () => aborted.resolve())
      handlerStarted.resolve()
      await aborted.promise
      return new Response('too late')
    })
    const req = httpRequest(server.url)
    req.on('error', () => {})
    req.end()
    await handlerStarted.promise
    req.destroy()
    await aborted.promise
  })

  it('fails the request body stream when the client disconnects mid-upload', async (t) => {
    const bodyFailed = createDeferred<unknown>()
    const firstChunk = createDeferred<void>()
    const server = await serve(t, async (request) => {
      const reader = request.body!.getReader()
      await reader.read()
      firstChunk.resolve()
      reader.read().then(() => bodyFailed.resolve('no error'), bodyFailed.resolve)
      await bodyFailed.promise
      return new Response(null, { status: 204 })
    })
    const req = httpRequest(`${server.url}/`, {
      method: 'POST',
      headers: { 'content-length': '1000' },
    })
    req.on('error', () => {})
    req.write('x'.repeat(10))
    await firstChunk.promise
    req.destroy()
    assert.ok((await bodyFailed.promise) instanceof Error)
  })

  it('refuses an absolute-form request target with 400 JSON', async (t) => {
    let called = false
    const server = await serve(t, async () => {
      called = true
      return new Response('should not be reached')
    })
    const raw = await sendRaw(
      server.port,
      'GET http://evil.example/auth/session HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n',
    )
    assert.match(raw, /^HTTP\/1\.1 400 /)
    assert.deepEqual(JSON.parse(raw.slice(raw.indexOf('\r\n\r\n') + 4)), {
      error: 'bad_request',
      message: 'The request is malformed.',
    })
    assert.equal(called, false)
  })

  it('refuses a Host header that is not a host and port', async (t) => {
    let called = false
    const server = await serve(t, async () => {
      called = true
      return new Response('should not be reached')
    })
    const raw = await sendRaw(
      server.port,
      'GET / HTTP/1.1\r\nHost: evil.example/x@y\r\nConnection: close\r\n\r\n',
    )
    assert.match(raw, /^HTTP\/1\.1 400 /)
    assert.equal(called, false)
  })

  it('keeps a protocol-relative-looking path on the Host it arrived for', async (t) => {
    const server = await serve(t, async (request) => new Response(request.url))
    const req = httpRequest({
      host: '127.0.0.1',
      port: server.port,
      path: '//evil.example/x',
      headers: { host: 'app.test:8080' },
    })
    const res = (await once(req.end(), 'response')) as [IncomingMessage]
    const url = new URL((await readBody(res[0])).toString())
    assert.equal(url.host, 'app.test:8080')
    assert.equal(url.pathname, '//evil.example/x')
  })

  it('uses X-Forwarded-Proto and X-Forwarded-Host only with trustProxy', async (t) => {
    const handle: RequestHandle = async (request) => new Response(request.url)
    const headers = { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'api.example.com' }
    const trusting = await serve(t, handle, { trustProxy: true })
    const ignoring = await serve(t, handle)
    assert.equal(
      await (await fetch(`${trusting.url}/a?b=1`, { headers })).text(),
      'https://api.example.com/a?b=1',
    )
    assert.equal(await (await fetch(`${ignoring.url}/a`, { headers })).text(), `${ignoring.url}/a`)
  })

  it('passes method, headers and a small body through unchanged', async (t) => {
    const server = await serve(t, async (request) =>
      Response.json({
        method: request.method,
        type: request.headers.get('content-type'),
        csrf: request.headers.get('x-csrf'),
        body: await request.text(),
      }),
    )
    const res = await fetch(`${server.url}/auth/logout`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-csrf': '1' },
      body: '{"returnTo":"/"}',
    })
    assert.deepEqual(await res.json(), {
      method: 'POST',
      type: 'application/json',
      csrf: '1',
      body: '{"returnTo":"/"}',
    })
  })
})
