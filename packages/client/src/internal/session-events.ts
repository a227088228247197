import { createEventStreamParser, type ServerSentEvent } from './parse-event-stream.ts'

/** Reconnect if nothing, not even a `: ping`, arrived for this long: the connection is dead. */
export const HEARTBEAT_TIMEOUT_MS = 45_000
const FIRST_RETRY_MS = 1_000
const MAX_RETRY_MS = 30_000

export interface SessionEventsOptions {
  /** One tab holds this Web Lock and the stream; it relays events to the other tabs. */
  lockName: string
  /** Sends `GET /auth/events`. */
  open(signal: AbortSignal): Promise<Response>
  onEvent(event: ServerSentEvent): void
  /** The stream answered 401: there is no session any more. */
  onUnauthenticated(): void
  /** Connected again after a drop: events may have been missed meanwhile. */
  onReconnected(): void
}

/**
 * Follows `GET /auth/events` until `signal` aborts, reconnecting with backoff. Read with
 * `fetch`, not `EventSource`, because EventSource cannot send the anti-CSRF header. Only one
 * tab streams (a Web Lock elects it): over HTTP/1.1 each open stream holds one of the
 * browser's six connections to Coatcheck, and ten tabs would starve every other request.
 */
export function watchSessionEvents(options: SessionEventsOptions, signal: AbortSignal): void {
  const locks = globalThis.navigator?.locks
  if (!locks) return void streamEvents(options, signal)
  // Rejects only when aborted while waiting for the lock: this tab no longer needs events.
  locks.request(options.lockName, { signal }, () => streamEvents(options, signal)).catch(() => {})
}

async function streamEvents(options: SessionEventsOptions, signal: AbortSignal) {
  let attempt = 0
  let connections = 0
  while (!signal.aborted) {
    const outcome = await readStream(options, signal, connections > 0)
    if (outcome === 'stop' || signal.aborted) return
    if (outcome === 'connected') {
      connections++
      attempt = 0
    }
    await sleep(backoffDelay(attempt++), signal)
  }
}

/**
 * Exponential backoff with jitter, so that every tab of every user does not reconnect in the
 * same second after Coatcheck restarts.
 */
export function backoffDelay(attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** attempt)
  return Math.round(ceiling * (0.5 + random() / 2))
}

async function readStream(
  options: SessionEventsOptions,
  signal: AbortSignal,
  reconnecting: boolean,
): Promise<'stop' | 'retry' | 'connected'> {
  const connection = new AbortController()
  const abort = () => connection.abort()
  signal.addEventListener('abort', abort)
  let watchdog = setTimeout(abort, HEARTBEAT_TIMEOUT_MS)
  let connected = false
  try {
    const response = await options.open(connection.signal)
    if (response.status === 401) {
      options.onUnauthenticated()
      return 'stop'
    }
    // Another 4xx (404: this Coatcheck has no events endpoint) will not heal by retrying.
    if (!response.ok) return response.status >= 500 || response.status === 429 ? 'retry' : 'stop'
    if (!response.body) return 'retry'
    connected = true
    if (reconnecting) options.onReconnected()
    const parse = createEventStreamParser(options.onEvent)
    const reader = response.body.getReader()
    const decoder = new TextDecoder()
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      clearTimeout(watchdog)
      watchdog = setTimeout(abort, HEARTBEAT_TIMEOUT_MS)
      parse(decoder.decode(value, { stream: true }))
    }
  } catch {
    // A network error, the watchdog or the caller's abort; the loop decides what follows.
  } finally {
    clearTimeout(watchdog)
    signal.removeEventListener('abort', abort)
  }
  return connected ? 'connected' : 'retry'
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer)
      signal.removeEventListener('abort', done)
      resolve()
    }
    const timer = setTimeout(done, ms)
    signal.addEventListener('abort', done)
  })
}
