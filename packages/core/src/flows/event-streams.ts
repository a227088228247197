import type { SessionEndReason } from '../events/coatcheck-event.ts'
import { CookieJar } from '../http/cookies.ts'
import type { Session } from '../session/session.ts'
import type { SessionEndedBus } from '../session/session-ended-bus.ts'
import type { SessionFilter } from '../session/session-store.ts'
import { noStoreHeaders, type FlowContext } from './flow-context.ts'

/** Default time between `: ping` comments; the SDK reconnects after 45 s of silence. */
export const PING_INTERVAL_MS = 25_000

/** Longest single timer; a later expiry is re-checked after this (timers overflow at 2^31 ms). */
const MAX_TIMER_MS = 60 * 60_000
/** A failed re-check (store down) is tried again after this. */
const RETRY_MS = 5_000

/** The `/events` streams open on this instance, by session. */
export interface EventStreams {
  /** A `text/event-stream` response for `session` that ends when `signal` aborts. */
  open(session: Session, context: FlowContext, signal: AbortSignal): Response
  /**
   * Ends this instance's streams of every session matching `filter`: for the cookie store,
   * whose ended sessions have no server-side record to name them by id.
   */
  endMatching(filter: SessionFilter, reason: SessionEndReason): void
  /** Tells the streams of this session that its tokens were refreshed. */
  refreshed(session: Session): void
  /** Ends every stream at once (shutdown) and stops listening. */
  close(): void
}

/** Options of {@link createEventStreams}. */
export interface EventStreamsOptions {
  bus: SessionEndedBus
  /** When the session ends if nothing else happens (idle and absolute timeouts). */
  endsAt(session: Session): number
  now: () => number
  pingIntervalMs?: number
}

interface OpenStream {
  readonly session: Session
  send(event: string, data: unknown): void
  /** Closes the stream, after a `session-ended` event when the session ended. */
  end(reason?: SessionEndReason): void
}

const encoder = new TextEncoder()

/**
 * Server-sent events for `GET /events`: `session-ended` (`{ reason }`) when the session ends
 * on any instance (through the bus) or expires, then the stream closes; `session-refreshed`
 * (`{ expiresAt }`) after a token refresh here; a `: ping` comment every `pingIntervalMs`
 * so proxies keep the connection and the SDK can tell a dead one. Every stream frees its
 * timers when the client goes away.
 *
 * @see https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation
 */
export function createEventStreams(options: EventStreamsOptions): EventStreams {
  const { bus, now } = options
  const pingIntervalMs = options.pingIntervalMs ?? PING_INTERVAL_MS
  const bySession = new Map<string, Set<OpenStream>>()
  const unsubscribe = bus.subscribe((ids, reason) => {
    for (const id of ids) for (const stream of bySession.get(id) ?? []) stream.end(reason)
  })

  function open(session: Session, context: FlowContext, signal: AbortSignal): Response {
    let ping: ReturnType<typeof setInterval> | undefined
    let expiry: ReturnType<typeof setTimeout> | undefined
    let closed = false
    let current = session

    const release = () => {
      if (closed) return
      closed = true
      clearInterval(ping)
      clearTimeout(expiry)
      signal.removeEventListener('abort', abort)
      const streams = bySession.get(session.id)
      streams?.delete(stream)
      if (streams?.size === 0) bySession.delete(session.id)
    }
    let controller!: ReadableStreamDefaultController<Uint8Array>
    const write = (text: string) => {
      if (!closed) controller.enqueue(encoder.encode(text))
    }
    const stream: OpenStream = {
      session,
      send: (event, data) => write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`),
      end(reason) {
        if (closed) return
        if (reason) stream.send('session-ended', { reason })
        release()
        controller.close()
      },
    }
    const abort = () => stream.end()

    // Re-reads the session when it would end: another request may have extended it.
    const scheduleExpiry = (at: number) => {
      expiry = setTimeout(() => void checkExpiry(), Math.min(Math.max(0, at - now()), MAX_TIMER_MS))
    }
    const checkExpiry = async () => {
      let latest: Session | undefined
      try {
        latest = await context.sessions.reload(current)
      } catch {
        if (!closed) scheduleExpiry(now() + RETRY_MS)
        return
      }
      if (closed) return
      if (latest && options.endsAt(latest) > now()) {
        current = latest
        return scheduleExpiry(options.endsAt(latest))
      }
      // Gone or timed out: end it everywhere, as the next request would (C-12).
      await context.sessions.destroy(latest ?? current, new CookieJar(null)).catch(() => {})
      context.onEvent({ type: 'session_ended', reason: 'expired' })
      await context.sessionEnded.publish([session.id], 'expired')
      stream.end('expired')
    }

    const body = new ReadableStream<Uint8Array>({
      start(c) {
        controller = c
        const streams = bySession.get(session.id) ?? new Set()
        bySession.set(session.id, streams.add(stream))
        // A first byte at once, so the client knows the stream is live.
        write(': ping\n\n')
        ping = setInterval(() => write(': ping\n\n'), pingIntervalMs)
        scheduleExpiry(options.endsAt(session))
        signal.addEventListener('abort', abort)
        if (signal.aborted) abort()
      },
      cancel: release,
    })
    const headers = noStoreHeaders({
      'content-type': 'text/event-stream; charset=utf-8',
      // Reverse proxies such as nginx must not hold events back in a buffer.
      'x-accel-buffering': 'no',
    })
    return new Response(body, { status: 200, headers })
  }

  return {
    open,
    endMatching(filter, reason) {
      for (const streams of [...bySession.values()]) {
        for (const stream of [...streams]) {
          const { issuer, sid, sub } = stream.session
          const matches =
            issuer === filter.issuer && ('sid' in filter ? sid === filter.sid : sub === filter.sub)
          if (matches) stream.end(reason)
        }
      }
    },
    refreshed(session) {
      for (const stream of bySession.get(session.id) ?? []) {
        stream.send('session-refreshed', { expiresAt: options.endsAt(session) })
      }
    },
    close() {
      unsubscribe()
      for (const streams of [...bySession.values()]) {
        // No event: the session goes on, and the SDK reconnects to another instance.
        for (const stream of [...streams]) stream.end()
      }
    },
  }
}
