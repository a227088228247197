import type { Socket } from 'node:net'
import {
  isInvalidTokenAnswer,
  isReplayable,
  type Coatcheck,
  type HeaderReader,
  type PreparedProxy,
  type RequestHead,
  type UpstreamCall,
} from '@coatcheck/core'
import type { RequestObservation, RequestStarter } from '../../logging/request-log.ts'
import { headerJoiner, requestOrigin } from '../node-request-head.ts'
import { failureAnswer, refusalAnswer } from '../proxy-answers.ts'
import { toClientHeaderList, toUpstreamHeaders } from '../proxy-headers.ts'
import { serializeResponse, toRawHead } from '../raw-response.ts'
import { parseRequestHead, type WireRequestHead } from './parse-request-head.ts'
import { createSweep } from './sweep.ts'
import {
  UpstreamExchangeError,
  bodySize,
  type BodySink,
  type ExchangeControl,
  type UpstreamAnswer,
  type UpstreamPool,
} from './upstream-pool.ts'

/** What {@link createWireFront} needs. */
export interface WireFrontOptions {
  coatcheck: Coatcheck
  pool: UpstreamPool
  trustProxy: boolean
  onError: (error: unknown) => void
  /** Largest request head; a larger one goes to `node:http`, which answers 431. */
  maxHeadSize: number
  /** Idle time before a keep-alive connection is closed. */
  keepAliveMs: number
  /** Paths served by the host, not Coatcheck (`/healthz`, a metrics path): `node:http`. */
  hostPaths: ReadonlySet<string>
  /** Starts a request's log line and metrics; `undefined` when nothing would record them. */
  observe: RequestStarter | undefined
  /** Receives the route path and the seconds until the upstream's response head. */
  observeUpstream?: (route: string, seconds: number) => void
  /** When it aborts (shutdown), relayed event streams end cleanly. */
  stopping: AbortSignal
}

/** Hands a connection to `node:http`, with the bytes already read put back in front. */
export type HandOff = (socket: Socket) => void

/** Serves connections off raw sockets until a request needs `node:http`. */
export interface WireFront {
  accept(socket: Socket, handOff: HandOff): void
  /**
   * Shutdown: idle connections close now, busy ones after their response; whatever is
   * still open after `graceMs` is cut. Resolves when every connection is closed, with
   * `true` when the deadline cut some.
   */
  close(graceMs: number): Promise<boolean>
}

type Served = 'done' | 'close' | 'handed-off'

/** A client connection served by the wire path. */
interface WireConnection {
  readonly socket: Socket
  busy: boolean
  /**
   * The exchange or relay in progress, told when the socket closes: `aborted` is set and
   * `abort` called. A plain object, not a closure made in `proxy`: that closure holds the
   * whole context of its call, and parked on this long-lived object it made full
   * collections keep whole calls (docs/benchmarks.md, "Garbage that outlives its call").
   */
  control: ExchangeControl | undefined
  /** `Date.now()` of the last bytes received or answer sent. */
  lastActive: number
  /** `Date.now()` when the first bytes of a head not yet complete arrived. */
  headSince: number | undefined
}

function nothing(): void {}

const CRLF = '\r\n'
const LAST_CHUNK = Buffer.from('0\r\n\r\n')
/** The sink for an answer whose whole body came with its head: reading it only ends it. */
const BODY_IN_HAND: BodySink = { data: () => true, end: nothing }

/**
 * The raw-socket fast path for API calls. `node:http` and undici together spend about as
 * much CPU per proxied call as the whole of nginx (see docs/benchmarks.md); this path reads
 * a bodiless HTTP/1.1 request off the socket with a strict parser, lets core decide the call
 * (`prepareProxy`: CSRF, route, session, token), sends it over a pooled upstream connection
 * and relays the answer with headers filtered by the same functions as the `node:http`
 * path. Anything else (a body, an upgrade, an auth endpoint, a health check, anything the
 * strict parser refuses) goes to `node:http` with the connection, which then keeps it.
 *
 * @see https://www.rfc-editor.org/rfc/rfc9112
 */
export function createWireFront(options: WireFrontOptions): WireFront {
  const { coatcheck, pool, onError, stopping } = options
  const headerOptions = {
    csrfHeaderName: coatcheck.config.csrf.headerName,
    trustProxy: options.trustProxy,
  }
  const connections = new Set<WireConnection>()
  // Idle past the keep-alive time, or too slow to send a head: closed, as node:http does.
  // One sweep for all connections rather than a socket timeout, which Node re-arms on every
  // read and write.
  const idleSweep = createSweep(Math.min(1000, Math.max(50, options.keepAliveMs / 4)), () => {
    const now = Date.now()
    for (const { socket, busy, lastActive, headSince } of connections) {
      if (busy) continue
      // A head trickling in byte by byte keeps the socket active: its own deadline (slowloris).
      const slowHead = headSince !== undefined && now - headSince >= options.keepAliveMs
      if (slowHead || now - lastActive >= options.keepAliveMs) socket.destroy()
    }
    return connections.size > 0
  })

  function accept(socket: Socket, handOff: HandOff): void {
    const connection: WireConnection = {
      socket,
      busy: false,
      control: undefined,
      lastActive: Date.now(),
      headSince: undefined,
    }
    let buffer: Buffer | undefined
    connections.add(connection)
    idleSweep.start()
    socket.setNoDelay(true)

    const onData = (chunk: Buffer) => {
      connection.lastActive = Date.now()
      buffer = buffer === undefined ? chunk : Buffer.concat([buffer, chunk])
      if (!connection.busy) next()
      // A client pipelining far ahead waits until its earlier answers are out.
      else if (buffer.length > options.maxHeadSize) socket.pause()
    }
    const onSocketError = () => socket.destroy()
    socket.on('data', onData)
    socket.on('error', onSocketError)
    // The client half-closed: as node:http does, the request in flight is abandoned.
    socket.on('end', onSocketError)
    socket.once('close', () => {
      connections.delete(connection)
      const { control } = connection
      if (control) {
        control.aborted = true
        control.abort?.()
      }
    })

    function next(): void {
      if (buffer === undefined || socket.destroyed) return
      if (stopping.aborted) return void socket.destroy()
      const head = parseRequestHead(buffer, options.maxHeadSize)
      if (head === 'incomplete') {
        connection.headSince ??= Date.now()
        return
      }
      connection.headSince = undefined
      if (head === 'other') return giveAway()
      connection.busy = true
      serve(connection, head).then(
        (served) => afterServed(head, served),
        (error: unknown) => {
          onError(error)
          socket.destroy()
        },
      )
    }

    function afterServed(head: WireRequestHead, served: Served): void {
      connection.busy = false
      connection.lastActive = Date.now()
      if (served === 'handed-off') return giveAway()
      if (served === 'close' || !head.keepAlive || stopping.aborted) {
        socket.end()
        return
      }
      buffer =
        buffer !== undefined && buffer.length > head.length
          ? buffer.subarray(head.length)
          : undefined
      if (socket.isPaused()) socket.resume()
      next()
    }

    function giveAway(): void {
      socket.off('data', onData)
      socket.off('error', onSocketError)
      socket.off('end', onSocketError)
      socket.pause()
      if (buffer !== undefined) socket.unshift(buffer)
      buffer = undefined
      connections.delete(connection)
      handOff(socket)
      socket.resume()
    }
  }

  /** Serves one request; `handed-off` when it belongs to `node:http` after all. */
  async function serve(connection: WireConnection, request: WireRequestHead): Promise<Served> {
    const { socket } = connection
    const query = request.target.indexOf('?')
    const path = query < 0 ? request.target : request.target.slice(0, query)
    if (options.hostPaths.has(path)) return 'handed-off'
    const headers = createRawHeaderReader(request)
    const origin = requestOrigin(
      (name) => headers.get(name) ?? undefined,
      false,
      options.trustProxy,
    )
    // A Host that is not a plain name or address: node:http answers it (400).
    if (origin === undefined) return 'handed-off'
    const head: RequestHead = { method: request.method, url: origin + request.target, headers }
    const started = options.observe ? process.hrtime.bigint() : undefined
    const replayable = isReplayable(request.method, false)
    const prepared = await coatcheck.prepareProxy(head, { replayable })
    if (prepared === undefined) return 'handed-off'
    const observation = options.observe?.(
      request.method,
      request.target,
      headers.get('x-request-id') ?? undefined,
      started,
    )
    const reply = new Reply(socket, request, observation, stopping.aborted)
    if (prepared instanceof Response) return reply.send(prepared)
    // Awaited, not returned: a returned promise costs the caller two more microtask turns.
    return await proxy(connection, request, head, prepared, reply, replayable)
  }

  async function proxy(
    connection: WireConnection,
    request: WireRequestHead,
    head: RequestHead,
    prepared: PreparedProxy,
    reply: Reply,
    replayable: boolean,
  ): Promise<Served> {
    const { socket } = connection
    const control: ExchangeControl = { aborted: false, abort: undefined }
    connection.control = control
    try {
      let started = upstreamClock()
      let answer = await send(socket, request, prepared.plan, control, replayable)
      if (answer instanceof UpstreamExchangeError) return fail(answer)
      observeUpstream(prepared.plan, started)
      if (isInvalidTokenAnswer(answer.head.status, headerOf(answer.head.raw, 'www-authenticate'))) {
        let retry: UpstreamCall | undefined
        try {
          retry = await prepared.plan.retry()
        } catch (error) {
          answer.discard()
          return await reply.send(refusalAnswer(error, head, prepared, onError))
        }
        if (retry) {
          answer.discard()
          started = upstreamClock()
          answer = await send(socket, request, retry, control, replayable)
          if (answer instanceof UpstreamExchangeError) return fail(answer)
          observeUpstream(retry, started)
        }
      }
      const served = reply.relay(answer, prepared, stopping, control)
      return typeof served === 'string' ? served : await served
    } finally {
      connection.control = undefined
    }

    function fail(error: UpstreamExchangeError): Promise<Served> | Served {
      if (error.reason === 'aborted') {
        reply.cut()
        return 'close'
      }
      const timedOut = error.reason === 'timeout'
      return reply.send(failureAnswer(coatcheck, head, prepared, timedOut, error, onError))
    }
  }

  /** When an upstream call starts: read only when someone observes upstream times. */
  function upstreamClock(): number {
    return options.observeUpstream ? performance.now() : 0
  }

  /** Reports the time from sending `call` until its answer's head. */
  function observeUpstream(call: UpstreamCall, started: number): void {
    options.observeUpstream?.(call.route.path, (performance.now() - started) / 1000)
  }

  /** The upstream's answer, or the reason there is none; one promise, which never rejects. */
  function send(
    socket: Socket,
    request: WireRequestHead,
    call: UpstreamCall,
    control: ExchangeControl,
    replayable: boolean,
  ): Promise<UpstreamAnswer | UpstreamExchangeError> | UpstreamExchangeError {
    // Browser values passed the strict parser; ours (tokens, proofs, configured headers)
    // are checked here, so nothing can end a header line early (request splitting).
    for (const name in call.headers) {
      if (UNSAFE_VALUE.test(call.headers[name] as string))
        return new UpstreamExchangeError('invalid')
    }
    const headers = toUpstreamHeaders(
      { rawHeaders: request.raw, names: request.names, remoteAddress: socket.remoteAddress },
      call.headers,
      headerOptions,
    )
    const { origin } = call
    const host = origin.slice(origin.indexOf('//') + 2)
    let text = `${request.method} ${call.target} HTTP/1.1${CRLF}host: ${host}${CRLF}`
    for (let i = 0; i + 1 < headers.length; i += 2) {
      text += `${headers[i] as string}: ${headers[i + 1] as string}${CRLF}`
    }
    text += CRLF
    return pool.send({
      origin,
      head: text,
      method: request.method,
      timeoutMs: call.route.timeoutMs,
      replayable,
      control,
    })
  }

  return {
    accept,
    async close(graceMs) {
      idleSweep.stop()
      const closed = [...connections].map(
        ({ socket }) => new Promise<void>((resolve) => socket.once('close', () => resolve())),
      )
      for (const { socket, busy } of connections) if (!busy) socket.destroy()
      let forced = false
      const timer = setTimeout(() => {
        forced = connections.size > 0
        for (const { socket } of connections) socket.destroy()
      }, graceMs)
      await Promise.all(closed)
      clearTimeout(timer)
      return forced
    },
  }
}

// CR, LF or NUL in a value would end the header line early.
const UNSAFE_VALUE = /[\r\n\0]/

/**
 * The answer to one request on a wire connection: Coatcheck's own (`send`) or the
 * upstream's (`relay`), with `X-Request-Id`, `Date` and `Connection: close` as needed.
 */
class Reply {
  private readonly socket: Socket
  private readonly request: WireRequestHead
  private readonly observation: RequestObservation | undefined
  /** The connection ends after this answer: the client asked, or we are shutting down. */
  private readonly last: boolean

  constructor(
    socket: Socket,
    request: WireRequestHead,
    observation: RequestObservation | undefined,
    stopping: boolean,
  ) {
    this.socket = socket
    this.request = request
    this.observation = observation
    this.last = stopping || !request.keepAlive
  }

  /** Headers every answer on this path gets besides its own. */
  private extra(headers: readonly string[]): string[] {
    const extra: string[] = []
    if (this.observation) extra.push('x-request-id', this.observation.id)
    if (!hasName(headers, 'date')) extra.push('date', httpDate())
    if (this.last) extra.push('connection', 'close')
    return extra
  }

  async send(response: Response): Promise<Served> {
    const bytes = await serializeResponse(response, this.extra([]), this.request.method === 'HEAD')
    this.socket.write(bytes)
    this.observation?.end(response.status, true)
    return 'done'
  }

  /** The upstream's answer went wrong after its head was out: the browser sees a cut. */
  cut(): void {
    this.observation?.end(0, false)
    this.socket.destroy()
  }

  /**
   * Relays the upstream's answer: `done` at once when all of it came with its head. A body
   * that follows is given up (`discard`) through `control` when the browser leaves.
   */
  relay(
    answer: UpstreamAnswer,
    prepared: PreparedProxy,
    stopping: AbortSignal,
    control: ExchangeControl,
  ): Served | Promise<Served> {
    const { socket } = this
    const { head, first } = answer
    const headers = toClientHeaderList(head.raw, prepared.responseHeaders())
    // Chunked or close-delimited upstream bodies are re-chunked for the browser.
    const chunked = head.framing.kind === 'chunked' || head.framing.kind === 'close'
    if (chunked) {
      removeName(headers, 'content-length')
      headers.push('transfer-encoding', 'chunked')
    }
    headers.push(...this.extra(headers))
    const frame = (data: Buffer) =>
      chunked ? [Buffer.from(`${data.length.toString(16)}\r\n`), data, Buffer.from(CRLF)] : [data]
    const headText = toRawHead(head.status, headers)
    if (first.done && !chunked && bodySize(first.data) <= COPY_WHOLE_UP_TO) {
      // The whole answer came with its head, as most API answers do: one buffer, one write.
      socket.write(withBody(headText, first.data))
    } else {
      // Larger or streamed bodies: no copy, the pieces go out together through cork.
      socket.cork()
      socket.write(headText, 'latin1')
      for (const data of first.data) for (const piece of frame(data)) socket.write(piece)
      if (first.done && chunked) socket.write(LAST_CHUNK)
      socket.uncork()
      // Not all written out yet: the socket holds on to the pool's read memory.
      if (socket.writableLength > 0) answer.keep()
    }
    if (first.done) {
      answer.read(BODY_IN_HAND)
      this.observation?.end(head.status, true)
      return 'done'
    }
    const eventStream = /^text\/event-stream/i.test(headerOf(head.raw, 'content-type') ?? '')
    return new Promise((resolve) => {
      const onDrain = () => answer.resume()
      const finish = (served: Served) => {
        stopping.removeEventListener('abort', stop)
        socket.off('drain', onDrain)
        resolve(served)
      }
      // Shutdown: an event stream ends cleanly, so `EventSource` reconnects elsewhere.
      const stop = () => answer.discard()
      control.abort = stop
      socket.on('drain', onDrain)
      if (eventStream) stopping.addEventListener('abort', stop, { once: true })
      answer.read({
        data: (data) => {
          let flowing = true
          for (const piece of frame(data)) flowing = socket.write(piece)
          if (socket.writableLength > 0) answer.keep()
          return flowing
        },
        end: (error) => {
          if (socket.destroyed) {
            this.observation?.end(head.status, false)
            return finish('close')
          }
          // Cut short upstream: so is the browser's copy, never a short body that looks whole.
          if (error) {
            this.cut()
            return finish('close')
          }
          if (chunked) socket.write(LAST_CHUNK)
          this.observation?.end(head.status, true)
          finish(stopping.aborted ? 'close' : 'done')
        },
      })
    })
  }
}

/**
 * A whole answer up to this size is copied behind its head and written as one buffer;
 * a larger one goes out corked, without the copy (a fresh buffer of that size per call
 * is memory outside V8's heap that makes it collect more often).
 */
const COPY_WHOLE_UP_TO = 16_384

/** A head (latin1 text) and the body pieces after it, in one buffer. */
function withBody(head: string, body: readonly Buffer[]): Buffer {
  const bytes = Buffer.allocUnsafe(head.length + bodySize(body))
  let at = bytes.write(head, 0, 'latin1')
  for (const piece of body) at += piece.copy(bytes, at)
  return bytes
}

/** `Headers`-like reading of a request head: repeats joined as `Headers` would join them. */
function createRawHeaderReader(request: WireRequestHead): HeaderReader {
  const { raw, names } = request
  return {
    get(name) {
      const key = name.toLowerCase()
      let joined: string | null = null
      for (let i = 0; i < names.length; i++) {
        if (names[i] !== key) continue
        const value = raw[2 * i + 1] as string
        joined = joined === null ? value : `${joined}${headerJoiner(key)}${value}`
      }
      return joined
    },
  }
}

function headerOf(raw: readonly string[], lowerName: string): string | null {
  for (let i = 0; i + 1 < raw.length; i += 2) if (raw[i] === lowerName) return raw[i + 1] as string
  return null
}

function hasName(headers: readonly string[], lowerName: string): boolean {
  for (let i = 0; i < headers.length; i += 2) {
    if ((headers[i] as string).toLowerCase() === lowerName) return true
  }
  return false
}

function removeName(headers: string[], lowerName: string): void {
  for (let i = headers.length - 2; i >= 0; i -= 2) {
    if ((headers[i] as string).toLowerCase() === lowerName) headers.splice(i, 2)
  }
}

let dateSecond = 0
let dateText = ''

/** The `Date` header value, formatted once per second. */
function httpDate(): string {
  const now = Date.now()
  const second = Math.floor(now / 1000)
  if (second !== dateSecond) {
    dateSecond = second
    dateText = new Date(now).toUTCString()
  }
  return dateText
}
