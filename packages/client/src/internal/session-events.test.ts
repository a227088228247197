import { describe, it, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import type { ServerSentEvent } from './parse-event-stream.ts'
import { HEARTBEAT_TIMEOUT_MS, backoffDelay, watchSessionEvents } from './session-events.ts'
import { flush, json, until } from '../../test/support/fakes.ts'

interface Connection {
  signal: AbortSignal
  push(text: string): void
  end(): void
}

/** A fake `/auth/events`: answers `statuses` in turn (then 200 streams) and records streams. */
function createEventsEndpoint(statuses: number[] = []) {
  const encoder = new TextEncoder()
  const connections: Connection[] = []
  const received: ServerSentEvent[] = []
  const calls = { opened: 0, unauthenticated: 0, reconnected: 0 }
  const abort = new AbortController()
  const options = {
    lockName: `test-${Math.random()}`,
    open: async (signal: AbortSignal) => {
      calls.opened++
      const status = statuses.shift() ?? 200
      if (status !== 200) return json({ error: 'x', message: 'x' }, status)
      let controller!: ReadableStreamDefaultController<Uint8Array>
      const body = new ReadableStream<Uint8Array>({ start: (c) => void (controller = c) })
      signal.addEventListener('abort', () => {
        try {
          controller.error(new DOMException('aborted', 'AbortError'))
        } catch {
          // already closed
        }
      })
      connections.push({
        signal,
        push: (text) => controller.enqueue(encoder.encode(text)),
        end: () => controller.close(),
      })
      return new Response(body, { headers: { 'content-type': 'text/event-stream' } })
    },
    onEvent: (event: ServerSentEvent) => void received.push(event),
    onUnauthenticated: () => void calls.unauthenticated++,
    onReconnected: () => void calls.reconnected++,
  }
  return {
    options,
    connections,
    received,
    calls,
    start: () => watchSessionEvents(options, abort.signal),
    stop: () => abort.abort(),
  }
}

function useFakeTime(t: TestContext) {
  t.mock.timers.enable({ apis: ['setTimeout'] })
  // The longest backoff is 30 s: ticking past it always reaches the next attempt.
  return async (ms: number) => {
    t.mock.timers.tick(ms)
    await flush()
  }
}

describe('watchSessionEvents', () => {
  it('delivers events and keeps one connection while heartbeats arrive', async (t) => {
    const advance = useFakeTime(t)
    const endpoint = createEventsEndpoint()
    endpoint.start()
    await flush()
    const [connection] = endpoint.connections
    connection?.push(': ping\n\nevent: session-refreshed\ndata: {"expiresAt":5}\n\n')
    await flush()
    await advance(HEARTBEAT_TIMEOUT_MS - 1)
    connection?.push(': ping\n\n')
    await flush()
    await advance(HEARTBEAT_TIMEOUT_MS - 1)
    assert.equal(endpoint.calls.opened, 1)
    assert.deepEqual(endpoint.received, [{ event: 'session-refreshed', data: '{"expiresAt":5}' }])
    endpoint.stop()
    await flush()
    assert.equal(connection?.signal.aborted, true)
  })

  it('reconnects when the heartbeat stops, and says so (events may have been missed)', async (t) => {
    const advance = useFakeTime(t)
    const endpoint = createEventsEndpoint()
    endpoint.start()
    await flush()
    await advance(HEARTBEAT_TIMEOUT_MS)
    assert.equal(endpoint.connections[0]?.signal.aborted, true)
    await advance(30_000)
    assert.equal(endpoint.calls.opened, 2)
    assert.equal(endpoint.calls.reconnected, 1)
    endpoint.stop()
  })

  it('reconnects after the server closes the stream', async (t) => {
    const advance = useFakeTime(t)
    const endpoint = createEventsEndpoint()
    endpoint.start()
    await flush()
    endpoint.connections[0]?.end()
    await flush()
    await advance(1_000)
    assert.equal(endpoint.calls.opened, 2)
    endpoint.stop()
  })

  it('backs off on 5xx and 429, then connects', async (t) => {
    const advance = useFakeTime(t)
    const endpoint = createEventsEndpoint([503, 429, 502])
    endpoint.start()
    await flush()
    for (const expected of [2, 3, 4]) {
      await advance(30_000)
      assert.equal(endpoint.calls.opened, expected)
    }
    assert.equal(endpoint.connections.length, 1)
    assert.equal(endpoint.calls.reconnected, 0, 'the first connection is not a reconnection')
    endpoint.stop()
  })

  it('reports a 401 and stops', async (t) => {
    const advance = useFakeTime(t)
    const endpoint = createEventsEndpoint([401])
    endpoint.start()
    await flush()
    await advance(60_000)
    assert.deepEqual(endpoint.calls, { opened: 1, unauthenticated: 1, reconnected: 0 })
  })

  it('stops on another 4xx: a Coatcheck without an events endpoint is not hammered', async (t) => {
    const advance = useFakeTime(t)
    const endpoint = createEventsEndpoint([404])
    endpoint.start()
    await flush()
    await advance(60_000)
    assert.equal(endpoint.calls.opened, 1)
  })

  it('lets only one of several tabs stream at a time', async () => {
    const first = createEventsEndpoint()
    const second = createEventsEndpoint()
    const lockName = 'test-one-stream'
    const watch = (endpoint: typeof first) => {
      const abort = new AbortController()
      watchSessionEvents({ ...endpoint.options, lockName }, abort.signal)
      return abort
    }
    const firstTab = watch(first)
    await flush()
    const secondTab = watch(second)
    await flush()
    assert.deepEqual([first.calls.opened, second.calls.opened], [1, 0])
    firstTab.abort()
    await until(() => second.calls.opened === 1)
    assert.equal(first.calls.opened, 1)
    secondTab.abort()
  })
})

describe('backoffDelay', () => {
  it('doubles from 1 s up to 30 s, with jitter between half and all of it', () => {
    assert.equal(
      backoffDelay(0, () => 1),
      1_000,
    )
    assert.equal(
      backoffDelay(0, () => 0),
      500,
    )
    assert.equal(
      backoffDelay(3, () => 1),
      8_000,
    )
    assert.equal(
      backoffDelay(10, () => 1),
      30_000,
    )
    assert.equal(
      backoffDelay(10, () => 0),
      15_000,
    )
  })
})
