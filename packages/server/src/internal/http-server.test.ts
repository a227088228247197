import assert from 'node:assert/strict'
import { once } from 'node:events'
import { Agent, request as httpRequest, type IncomingMessage } from 'node:http'
import { describe, it, type TestContext } from 'node:test'
import type { NodeListener } from '../node-adapter.ts'
import { createDeferred } from './deferred.ts'
import { createHttpServer } from './http-server.ts'

async function start(t: TestContext, listener: NodeListener) {
  const http = createHttpServer(listener)
  const { port } = await http.listen(0, '127.0.0.1')
  const agent = new Agent({ keepAlive: true })
  t.after(() => {
    agent.destroy()
    return http.close(0)
  })
  const get = async (): Promise<IncomingMessage> => {
    const req = httpRequest({ host: '127.0.0.1', port, agent })
    req.on('error', () => {})
    req.end()
    return ((await once(req, 'response')) as [IncomingMessage])[0]
  }
  return { http, get }
}

async function readAll(res: IncomingMessage): Promise<string> {
  let text = ''
  for await (const chunk of res) text += String(chunk)
  return text
}

const turn = () => new Promise((resolve) => setImmediate(resolve))

describe('createHttpServer', () => {
  it('lets an in-flight request finish on close, then closes its keep-alive connection', async (t) => {
    const requestArrived = createDeferred<void>()
    const release = createDeferred<void>()
    const { http, get } = await start(t, (_req, res) => {
      requestArrived.resolve()
      void release.promise.then(() => res.end('finished'))
    })
    const response = get()
    await requestArrived.promise

    let closed = false
    const closing = http.close(10_000).then(() => (closed = true))
    await turn()
    assert.equal(closed, false)

    release.resolve()
    const res = await response
    assert.equal(res.headers.connection, 'close')
    assert.equal(await readAll(res), 'finished')
    await closing
  })

  it('closes idle keep-alive connections at once', async (t) => {
    const { http, get } = await start(t, (_req, res) => res.end('ok'))
    assert.equal(await readAll(await get()), 'ok')
    // Without closing idle sockets, this would wait for the 65 s keep-alive timeout.
    await http.close(60_000)
  })

  it('cuts a response that never ends once the grace period is over', async (t) => {
    const { http, get } = await start(t, (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' })
      res.write(': open\n\n')
    })
    const res = await get()
    res.on('error', () => {}).resume()
    const ended = new Promise((resolve) => res.once('close', resolve))
    await http.close(20)
    await ended
    assert.equal(res.complete, false)
  })
})
