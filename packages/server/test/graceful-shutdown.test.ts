// `coatcheck start` as a real child process, stopped with SIGTERM while a 64 MiB download and
// a WebSocket are open through it.
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { once } from 'node:events'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { request as httpRequest, type IncomingMessage } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Writable } from 'node:stream'
import { describe, it, type TestContext } from 'node:test'
import { WebSocket, WebSocketServer } from 'ws'
import { SPA_ORIGIN, configFor, login, startIdp } from './support/gateway.ts'
import { LISTENING, startCli } from './support/run-cli.ts'
import { startUpstream } from './support/upstream.ts'

const MiB = 1024 * 1024
const TOTAL = 64 * MiB
const CHUNK = 64 * 1024
const DEADLINE_SECONDS = 20

/** Chunk `i` of the download: every byte different from its neighbours' chunks. */
const chunkAt = (i: number) => Buffer.alloc(CHUNK, i % 251)

async function writeDownload(out: Writable): Promise<void> {
  for (let i = 0; i * CHUNK < TOTAL; i++) {
    if (!out.write(chunkAt(i))) await once(out, 'drain')
  }
  out.end()
}

function expectedDigest(): string {
  const hash = createHash('sha256')
  for (let i = 0; i * CHUNK < TOTAL; i++) hash.update(chunkAt(i))
  return hash.digest('hex')
}

/** An API with a 64 MiB download and a WebSocket echo. */
async function startApi(t: TestContext) {
  const api = await startUpstream(t, (req, res) => {
    req.resume()
    if (req.url === '/hang') {
      // A download that never finishes.
      res.writeHead(200, { 'content-type': 'application/octet-stream' })
      res.write('first bytes')
      return
    }
    if (req.url === '/events') {
      // An event stream that never ends by itself.
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' })
      res.write('data: one\n\n')
      return
    }
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': TOTAL })
    void writeDownload(res)
  })
  const wss = new WebSocketServer({ server: api.server })
  wss.on('connection', (socket) => socket.on('message', (data) => socket.send(data)))
  t.after(() => new Promise((resolve) => wss.close(resolve)))
  return api
}

describe('graceful shutdown of coatcheck start', { timeout: 90_000 }, () => {
  /** The API, the dev IdP and `coatcheck start` in front of them, with a logged-in user. */
  async function startAll(t: TestContext, deadlineSeconds: number) {
    const api = await startApi(t)
    const idp = await startIdp(t)
    const dir = await mkdtemp(join(tmpdir(), 'coatcheck-shutdown-'))
    t.after(() => rm(dir, { recursive: true, force: true }))
    const configFile = join(dir, 'coatcheck.json')
    // The public URL is only a name here: the test client talks to the bound port.
    const config = await configFor(
      idp,
      { url: 'http://localhost:8080', port: 8080 },
      {
        routes: [
          { path: '/api/files', upstream: api.url, timeoutMs: 30_000 },
          { path: '/api/live', upstream: api.url, websocket: true },
        ],
      },
    )
    await writeFile(configFile, JSON.stringify(config))
    const { child, match, output } = await startCli(
      [
        'start',
        '--config',
        configFile,
        '--port',
        '0',
        '--shutdown-timeout',
        String(deadlineSeconds),
      ],
      LISTENING,
      (cleanUp) => t.after(cleanUp),
    )
    const url = match[1] ?? ''
    const cookie = await login(url)
    return { child, url, output, headers: { origin: SPA_ORIGIN, 'x-csrf': '1', cookie } }
  }

  it('on SIGTERM finishes a 64 MiB download byte-exact, ends an event stream, closes a WebSocket with 1001, exits 0', async (t) => {
    const { child, url, output, headers } = await startAll(t, DEADLINE_SECONDS)

    const socket = new WebSocket(`${url.replace('http', 'ws')}/api/live`, { headers })
    await once(socket, 'open')
    socket.send('before the shutdown')
    const [echo] = (await once(socket, 'message')) as [Buffer]
    assert.equal(String(echo), 'before the shutdown')
    const socketClosed = once(socket, 'close') as Promise<[number, Buffer]>

    const events = httpRequest(`${url}/api/files/events`, { headers, agent: false })
    events.end()
    const [stream] = (await once(events, 'response')) as [IncomingMessage]
    const [first] = (await once(stream, 'data')) as [Buffer]
    assert.equal(String(first), 'data: one\n\n')
    // A clean end ('end'), not a cut connection ('aborted' and an error).
    const streamEnded = new Promise<string>((resolve) => {
      stream.once('end', () => resolve('end'))
      stream.once('aborted', () => resolve('aborted'))
      stream.once('error', () => resolve('error'))
      stream.resume()
    })

    const download = httpRequest(`${url}/api/files/big.bin`, { headers, agent: false })
    download.end()
    const [res] = (await once(download, 'response')) as [IncomingMessage]
    assert.equal(res.statusCode, 200)
    const hash = createHash('sha256')
    let received = 0
    let signalled = false
    const exited = once(child, 'exit') as Promise<[number | null]>
    let signalledAt = 0
    for await (const chunk of res as AsyncIterable<Buffer>) {
      hash.update(chunk)
      received += chunk.length
      // The signal comes once the download is well under way.
      if (!signalled && received >= 4 * MiB) {
        signalled = true
        signalledAt = performance.now()
        child.kill('SIGTERM')
      }
    }
    assert.ok(signalled)
    assert.equal(received, TOTAL, 'every byte arrived')
    assert.equal(hash.digest('hex'), expectedDigest(), 'byte-exact')

    assert.equal(await streamEnded, 'end', 'the event stream ended cleanly')
    const [code] = await socketClosed
    assert.equal(code, 1001, 'the WebSocket got a close frame "going away"')
    const [exitCode] = await exited
    const seconds = (performance.now() - signalledAt) / 1000
    assert.equal(exitCode, 0)
    assert.ok(seconds < DEADLINE_SECONDS, `exited after ${seconds.toFixed(1)} s`)

    // Standard output is JSON lines only, and says the shutdown cut nothing.
    const lines = output()
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as Record<string, unknown>)
    assert.ok(lines.some((line) => line['msg'] === 'stopped' && line['forced'] === false))
  })

  it('exits 1 when the deadline cuts a request that would not finish', async (t) => {
    const { child, url, headers } = await startAll(t, 1)
    const hang = httpRequest(`${url}/api/files/hang`, { headers, agent: false })
    hang.end()
    const [res] = (await once(hang, 'response')) as [IncomingMessage]
    res.on('error', () => {}).resume()
    const exited = once(child, 'exit') as Promise<[number | null]>
    const signalledAt = performance.now()
    child.kill('SIGTERM')
    const [exitCode] = await exited
    assert.equal(exitCode, 1)
    assert.ok(performance.now() - signalledAt < 10_000)
  })
})
