import { connect as connectTcp, type Socket } from 'node:net'
import { connect as connectTls } from 'node:tls'
import { createBodyDecoder, type BodyDecoder, type DecodedBody } from './body-decoder.ts'
import { parseResponseHead, type WireResponseHead } from './parse-response-head.ts'
import { createSweep } from './sweep.ts'

/** Receives an upstream body. `data` returns `false` to pause until `resume()`. */
export interface BodySink {
  data(chunk: Buffer): boolean
  /** The body is complete (`undefined`) or was cut short (`error`). */
  end(error?: Error): void
}

/**
 * An upstream's answer: the head now, the body when `read` is called.
 *
 * Body bytes are read into memory the connection reuses for its next read: those given to
 * the sink are the sink's only during `data`, and `first` is the caller's until `read`. A
 * caller that hands them to a write which did not go out at once calls `keep` (before
 * `read`, for `first`), and that memory is never read into again.
 */
export interface UpstreamAnswer {
  readonly head: WireResponseHead
  /** Body bytes that arrived with the head. */
  readonly first: DecodedBody
  /** Streams the rest of the body (nothing when `first.done`) into `sink`. */
  read(sink: BodySink): void
  /** The bytes given to the sink so far are still in use: the next read goes elsewhere. */
  keep(): void
  resume(): void
  /** Gives the body up: the connection is closed, never reused. */
  discard(): void
}

/** Why an exchange failed before an answer. */
export type ExchangeFailure = 'timeout' | 'unavailable' | 'invalid' | 'aborted'

/** A reused connection that the upstream closed before answering. */
type Failure = ExchangeFailure | 'stale'

/** An exchange failure, with the socket error when there was one. */
export class UpstreamExchangeError extends Error {
  readonly reason: Failure
  constructor(reason: Failure, options?: { cause?: unknown }) {
    super(`upstream exchange failed: ${reason}`, options)
    this.name = 'UpstreamExchangeError'
    this.reason = reason
  }
}

/** One request to send. */
export interface UpstreamExchange {
  /** The upstream's origin, `http://api.internal:8080`: connections are pooled per origin. */
  readonly origin: string
  /** The whole request head, blank line included. */
  readonly head: string
  readonly method: string
  /** Time allowed until the response head. */
  readonly timeoutMs: number
  /** Safe to send twice: a reused connection the upstream had closed is retried once. */
  readonly replayable: boolean
  /** Lets the caller abort the exchange (the browser left). */
  readonly control: ExchangeControl
}

/**
 * Cancels an exchange without `AbortSignal` (an `EventTarget`, costly per call): the pool
 * sets `abort` while it waits for the answer; the caller sets `aborted` and calls it.
 */
export interface ExchangeControl {
  aborted: boolean
  abort: (() => void) | undefined
}

/** Keep-alive HTTP/1.1 connections to upstreams, one idle list per origin. */
export interface UpstreamPool {
  /**
   * The answer's head and first body bytes, or why there is none: failures resolve as an
   * `UpstreamExchangeError`, so the caller needs no `try` around its one `await`.
   */
  send(exchange: UpstreamExchange): Promise<UpstreamAnswer | UpstreamExchangeError>
  /** Closes idle connections now and busy ones when their answer is read. */
  close(): void
}

const MAX_RESPONSE_HEAD = 65_536
/**
 * Bytes per socket read: twice Node's default, so that a 64 KiB answer and its head
 * usually come in one read and go to the browser in one write. One such buffer per
 * pooled connection.
 */
const READ_SIZE = 131_072
// Body bytes that came with the head are copied up to this size; above it, the answer keeps
// the read memory they are in.
const COPY_FIRST_UP_TO = 4096
const EMPTY = Buffer.alloc(0)
// Below the 5 s keep-alive timeout of Node servers and most others, so we retire an idle
// connection before the upstream does (the race a retry cannot fix for non-replayable calls).
const DEFAULT_IDLE_MS = 4_000
// How late a deadline may be noticed: small against route timeouts and idle times.
const SWEEP_MS = 50

interface Connection {
  readonly socket: Socket
  readonly origin: string
  used: boolean
  /** `Date.now()` when it went back to the idle list; 0 while it is in use. */
  idleSince: number
  /** `Date.now()` by which the answer's head is due; 0 when no exchange waits for one. */
  deadline: number
  /** Fails the exchange that waits for its answer's head. */
  onDeadline: () => void
  /** Where the socket's data and close go now: the exchange or body read in progress. */
  onData: (chunk: Buffer) => void
  onClose: () => void
  readonly reads: ReadMemory
  /** Data on an idle connection: it is broken or hostile, and closed. */
  readonly drop: () => void
  error?: unknown
}

/**
 * Where a plain TCP connection's next read goes: one buffer reused read after read, so that
 * a proxied body costs no fresh 64 KiB per read, as Node's own reads do. Each of those is
 * external memory to V8, and at thousands of answers a second they made it run a full
 * collection several times a second (a fifth of the CPU on 64 KiB answers).
 */
interface ReadMemory {
  /** Where the next read goes. */
  buffer: Buffer
  /**
   * The bytes of the last read are still in use (an answer's first bytes, a write that did
   * not go out at once): the next read goes to other memory.
   */
  lent: boolean
  /** A buffer lent earlier and free again, used before a new one is allocated. */
  spare: Buffer | undefined
}

/** Bytes in the pieces of a body. */
export function bodySize(body: readonly Buffer[]): number {
  let size = 0
  for (const piece of body) size += piece.length
  return size
}

/** The buffer for the next read (`onread`): the same one unless it was lent. */
function nextReadBuffer(reads: ReadMemory): Buffer {
  if (reads.lent) {
    reads.buffer = reads.spare ?? Buffer.allocUnsafe(READ_SIZE)
    reads.spare = undefined
    reads.lent = false
  }
  return reads.buffer
}

/**
 * Creates the pool the raw-socket path sends API calls through: plain HTTP/1.1 on `net` or
 * `tls` sockets, one request at a time per connection, idle connections kept `idleMs`.
 * Reads each answer with the strict parser; anything malformed is `invalid` (a 502), never
 * relayed.
 */
export function createUpstreamPool(options: { idleMs?: number } = {}): UpstreamPool {
  const idleMs = options.idleMs ?? DEFAULT_IDLE_MS
  const idle = new Map<string, Connection[]>()
  /**
   * Every open connection, idle or busy. Deadlines live on the connections, not in a map of
   * exchanges: V8 keeps what a Map or Set held when it last grew or shrank (its old table
   * points at the new one), and a collection that gains and loses an entry on every call
   * drags whole finished calls into the old generation that way.
   */
  const connections: Connection[] = []
  let closed = false
  // One sweep for every deadline of the pool instead of a timer per exchange and per idle
  // connection, which Node would create and clear on every call.
  const sweep = createSweep(SWEEP_MS, () => {
    const now = Date.now()
    for (const connection of connections) {
      if (connection.deadline !== 0 && now >= connection.deadline) connection.onDeadline()
      else if (connection.idleSince !== 0 && now - connection.idleSince >= idleMs) {
        connection.socket.destroy()
      }
    }
    return connections.length > 0
  })

  function open(origin: string): Connection {
    const url = new URL(origin)
    const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80))
    const host = url.hostname.replace(/^\[|\]$/g, '')
    const reads: ReadMemory = { buffer: EMPTY, lent: true, spare: undefined }
    const socket =
      url.protocol === 'https:'
        ? connectTls({
            host,
            port,
            ...(/^[\d.]+$|:/.test(host) ? {} : { servername: host }),
            ALPNProtocols: ['http/1.1'],
          })
        : connectTcp({
            host,
            port,
            // Reads go straight to the exchange, into reused memory (see `ReadMemory`).
            onread: {
              buffer: () => nextReadBuffer(reads),
              callback: (bytes, buffer) => {
                connection.onData((buffer as Buffer).subarray(0, bytes))
                return true
              },
            },
          })
    socket.setNoDelay(true)
    // An idle connection that says anything unasked, or that the upstream closes, is dropped.
    const drop = () => socket.destroy()
    const connection: Connection = {
      socket,
      origin,
      used: false,
      idleSince: 0,
      deadline: 0,
      onDeadline: nothing,
      onData: drop,
      onClose: nothing,
      drop,
      reads,
    }
    // One set of listeners for the socket's life; each exchange only swaps the targets. TLS
    // sockets deliver fresh buffers as events.
    if (url.protocol === 'https:') socket.on('data', (chunk: Buffer) => connection.onData(chunk))
    socket.on('error', (error) => {
      connection.error = error
      socket.destroy()
    })
    socket.once('close', () => {
      remove(idle.get(connection.origin), connection)
      remove(connections, connection)
      connection.onClose()
    })
    connections.push(connection)
    sweep.start()
    return connection
  }

  function take(origin: string): Connection {
    const list = idle.get(origin)
    let connection = list?.pop()
    while (connection?.socket.destroyed) connection = list?.pop()
    if (!connection) return open(origin)
    connection.idleSince = 0
    return connection
  }

  function release(connection: Connection): void {
    detach(connection)
    if (closed || connection.socket.destroyed) return void connection.socket.destroy()
    connection.used = true
    connection.idleSince = Date.now()
    let list = idle.get(connection.origin)
    if (!list) idle.set(connection.origin, (list = []))
    list.push(connection)
  }

  /** One try of `exchange` on `connection`: either `answered` or `failed` is called, once. */
  function exchangeOnce(
    exchange: UpstreamExchange,
    connection: Connection,
    answered: (answer: UpstreamAnswer) => void,
    failed: (error: UpstreamExchangeError) => void,
  ): void {
    const { socket } = connection
    const { control } = exchange
    let buffer: Buffer | undefined
    let received = false
    let settled = false
    connection.deadline = Date.now() + exchange.timeoutMs
    connection.onDeadline = () => fail('timeout')

    function fail(reason: ExchangeFailure): void {
      if (settled) return
      settled = true
      connection.deadline = 0
      control.abort = undefined
      detach(connection)
      socket.destroy()
      // A reused connection closed under us before any answer: the upstream had retired it.
      const stale = reason === 'unavailable' && connection.used && !received
      failed(new UpstreamExchangeError(stale ? 'stale' : reason, { cause: connection.error }))
    }
    connection.onClose = () => fail('unavailable')
    connection.onData = (chunk: Buffer) => {
      received = true
      buffer = buffer ? Buffer.concat([buffer, chunk]) : chunk
      for (;;) {
        const head = parseResponseHead(buffer, exchange.method, MAX_RESPONSE_HEAD)
        // Kept for the next read: a copy, never the read buffer itself.
        if (head === 'incomplete') return void (buffer = Buffer.from(buffer))
        if (head === 'invalid' || head.status === 101) return fail('invalid')
        const rest = buffer.subarray(head.length)
        // 1xx interim answers (100, 103) are not relayed: the final answer follows.
        if (head.status < 200) {
          buffer = rest
          if (buffer.length === 0) return void (buffer = undefined)
          continue
        }
        const decoder = createBodyDecoder(head.framing)
        const decoded = decoder.push(rest)
        if (decoded === undefined) return fail('invalid')
        settled = true
        connection.deadline = 0
        connection.onDeadline = nothing
        control.abort = undefined
        return answered(answerOf(connection, head, decoder, decoded, buffer))
      }
    }
    if (control.aborted) return fail('aborted')
    control.abort = () => fail('aborted')
    socket.write(exchange.head, 'latin1')
  }

  function answerOf(
    connection: Connection,
    head: WireResponseHead,
    decoder: BodyDecoder,
    decoded: DecodedBody,
    /** What the head was parsed from: the read buffer itself, or a copy. */
    parsed: Buffer,
  ): UpstreamAnswer {
    const { socket, reads } = connection
    // The body bytes that came with the head are used after the read that brought them: a
    // few kB are copied, more keep their read memory, which goes back to the connection
    // once they are written (`read`) unless the writer still holds them (`keep`).
    const copied = bodySize(decoded.data) <= COPY_FIRST_UP_TO
    const first = copied
      ? { ...decoded, data: decoded.data.map((piece) => Buffer.from(piece)) }
      : decoded
    let firstMemory = copied || parsed.buffer !== reads.buffer.buffer ? undefined : reads.buffer
    if (firstMemory) reads.lent = true
    let sink: BodySink | undefined
    let finished = false
    const finish = (error?: Error, reusable = false) => {
      if (finished) return
      finished = true
      if (reusable) release(connection)
      else {
        detach(connection)
        socket.destroy()
      }
      sink?.end(error)
    }
    // Until `read`, bytes that arrive wait in the decoder's input: none do for a whole body.
    const pending: Buffer[] = []
    if (decoded.done) {
      // All of it is in hand, as for most API answers: nothing of this answer is left on the
      // connection, which data now drops (it is not reused) and whose close means nothing.
      // Every closure parked on a long-lived object drags its whole call through a full
      // collection (docs/benchmarks.md, "Garbage that outlives its call").
      detach(connection)
    } else {
      connection.onData = (chunk) => pending.push(Buffer.from(chunk))
      connection.onClose = () => {
        // Only a close-delimited body ends with the connection; any other is cut short.
        if (head.framing.kind === 'close') finish()
        else finish(new Error('the upstream closed the connection mid-body'))
      }
    }
    const onData = (chunk: Buffer) => {
      const step = decoder.push(chunk)
      if (step === undefined) return finish(new Error('malformed upstream body'))
      let flowing = true
      for (const data of step.data) flowing = sink?.data(data) !== false && flowing
      if (step.done) return finish(undefined, head.reusable && step.extra === 0)
      if (!flowing) socket.pause()
    }
    return {
      head,
      first,
      read(target) {
        sink = target
        if (firstMemory) reads.spare = firstMemory
        firstMemory = undefined
        if (first.done)
          return finish(undefined, head.reusable && first.extra === 0 && pending.length === 0)
        connection.onData = onData
        for (const chunk of pending.splice(0)) if (!finished) onData(chunk)
        if (socket.destroyed && !finished) connection.onClose()
      },
      keep() {
        // Before `read`: `first` is already out of the reused buffer (copied, or lent), and
        // a lent one must just never come back. After: the sink's bytes are in the buffer.
        if (sink === undefined) firstMemory = undefined
        else reads.lent = true
      },
      resume: () => socket.resume(),
      discard() {
        if (!finished) finish()
      },
    }
  }

  return {
    send(exchange) {
      // One promise per exchange, settled from the socket's callbacks: this runs on every API call.
      return new Promise((resolve) => {
        if (closed) return resolve(new UpstreamExchangeError('unavailable'))
        exchangeOnce(exchange, take(exchange.origin), resolve, (error) => {
          // The upstream retired a pooled connection as we sent: once more on a new one.
          if (error.reason !== 'stale') return resolve(error)
          if (!exchange.replayable) {
            return resolve(new UpstreamExchangeError('unavailable', { cause: error }))
          }
          try {
            exchangeOnce(exchange, open(exchange.origin), resolve, resolve)
          } catch (cause) {
            resolve(new UpstreamExchangeError('unavailable', { cause }))
          }
        })
      })
    },
    close() {
      closed = true
      sweep.stop()
      for (const list of idle.values()) for (const connection of list) connection.socket.destroy()
      idle.clear()
    },
  }
}

function nothing(): void {}

/** No exchange on `connection` any more: data on it drops it, its close means nothing. */
function detach(connection: Connection): void {
  connection.onData = connection.drop
  connection.onClose = nothing
  connection.onDeadline = nothing
}

function remove(list: Connection[] | undefined, connection: Connection): void {
  const at = list?.indexOf(connection) ?? -1
  if (at >= 0) list?.splice(at, 1)
}
