// The client against a small fake Coatcheck over real HTTP on 127.0.0.1: the
// `/auth/events` stream read with Node's fetch, two clients standing in for two tabs
// (Node has BroadcastChannel and Web Locks), and what went over the wire.
import { after, afterEach, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createCoatcheck, type Coatcheck } from '../src/index.ts'
import { until } from './support/fakes.ts'

interface FakeEventsServer {
  url: string
  streams: Set<ServerResponse>
  requests: { path: string; csrf: string | undefined; accept: string | undefined }[]
  send(event: string, data: unknown): void
  server: Server
}

async function startFakeEventsServer(): Promise<FakeEventsServer> {
  const fake: Omit<FakeEventsServer, 'url'> = {
    streams: new Set(),
    requests: [],
    send(event, data) {
      for (const stream of fake.streams)
        stream.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`)
    },
    server: createServer((request: IncomingMessage, response: ServerResponse) => {
      const path = new URL(request.url ?? '/', 'http://x').pathname
      const csrf = request.headers['x-csrf']
      fake.requests.push({ path, csrf: String(csrf), accept: request.headers.accept })
      if (csrf !== '1') return void response.writeHead(403).end()
      if (path === '/auth/session') {
        response.writeHead(200, { 'content-type': 'application/json' })
        const body = { authenticated: true, user: { sub: 'alice' }, expiresAt: 1_000 }
        return void response.end(JSON.stringify(body))
      }
      if (path !== '/auth/events') return void response.writeHead(404).end()
      response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store' })
      response.write(': ping\n\n')
      fake.streams.add(response)
      request.on('close', () => fake.streams.delete(response))
    }),
  }
  await new Promise<void>((resolve) => fake.server.listen(0, '127.0.0.1', resolve))
  const { port } = fake.server.address() as AddressInfo
  return { ...fake, url: `http://127.0.0.1:${port}` }
}

describe('the events stream over real HTTP', () => {
  let fake: FakeEventsServer
  let tabs: Coatcheck[] = []
  before(async () => {
    fake = await startFakeEventsServer()
  })
  afterEach(() => {
    for (const tab of tabs) tab.close()
    tabs = []
  })
  after(async () => {
    fake.server.closeAllConnections()
    await new Promise((resolve) => fake.server.close(resolve))
  })

  it('streams in one tab only, and moves both tabs on session-refreshed and session-ended', async () => {
    const open = () => {
      const tab = createCoatcheck({ baseUrl: fake.url, broadcastChannelName: 'events-test' })
      tab.subscribe(() => {})
      tabs.push(tab)
      return tab
    }
    const [tab1, tab2] = [open(), open()]
    await until(() => tabs.every((tab) => tab.getSnapshot().status === 'authenticated'))
    await until(() => fake.streams.size === 1)

    fake.send('session-refreshed', { expiresAt: 2_000 })
    await until(() => tabs.every((tab) => expiresAt(tab) === 2_000))

    const streamsOpened = () => fake.requests.filter((request) => request.path === '/auth/events')
    assert.equal(streamsOpened().length, 1, 'one stream for both tabs')
    assert.equal(streamsOpened()[0]?.accept, 'text/event-stream')

    fake.send('session-ended', { reason: 'revoked' })
    await until(() => tabs.every((tab) => tab.getSnapshot().status === 'ended'))
    assert.deepEqual(tab1.getSnapshot(), { status: 'ended', reason: 'revoked' })
    assert.deepEqual(tab2.getSnapshot(), { status: 'ended', reason: 'revoked' })
    await until(() => fake.streams.size === 0)
    assert.ok(fake.requests.every((request) => request.csrf === '1'))
  })

  it('opens no stream when events are off', async () => {
    const before = fake.requests.length
    const tab = createCoatcheck({ baseUrl: fake.url, events: false, broadcastChannelName: 'off' })
    tabs.push(tab)
    assert.equal((await tab.refresh()).status, 'authenticated')
    assert.deepEqual(
      fake.requests.slice(before).map((request) => request.path),
      ['/auth/session'],
    )
  })
})

function expiresAt(tab: Coatcheck): number | undefined {
  const state = tab.getSnapshot()
  return state.status === 'authenticated' ? state.expiresAt : undefined
}
