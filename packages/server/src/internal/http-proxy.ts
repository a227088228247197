import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Readable } from 'node:stream'
import {
  CoatcheckError,
  isInvalidTokenAnswer,
  type Coatcheck,
  type PreparedProxy,
  type RequestHead,
  type UpstreamCall,
} from '@coatcheck/core'
import type { Dispatcher } from 'undici'
import { hasRequestBody } from './node-request-head.ts'
import {
  firstHeader,
  forwardedRequest,
  toClientHeaders,
  toUpstreamHeaders,
} from './proxy-headers.ts'
import { failureAnswer, refusalAnswer } from './proxy-answers.ts'
import { sendResponse } from './send-response.ts'

/** What {@link createHttpProxy} needs. */
export interface HttpProxyOptions {
  coatcheck: Coatcheck
  /** undici `Agent`: one keep-alive pool per upstream origin. */
  dispatcher: Dispatcher
  trustProxy: boolean
  onError: (error: unknown) => void
  /** When it aborts (shutdown), relayed event streams end cleanly. */
  stopping?: AbortSignal
  /** Receives the route path and the seconds until the upstream's response headers. */
  observeUpstream?: (route: string, seconds: number) => void
}

/** Carries out a prepared API call and streams the answer to the browser. */
export type HttpProxy = (
  req: IncomingMessage,
  res: ServerResponse,
  head: RequestHead,
  prepared: PreparedProxy,
) => Promise<void>

type Answer = Dispatcher.ResponseData
type Outcome = { answer: Answer } | { failure: 'timeout' | 'unavailable'; cause: unknown } | 'gone'

/**
 * The fast path of an API call: the request body streams from the browser's socket to the
 * upstream and the answer streams back, both with backpressure and nothing buffered. Reads
 * as: call upstream → on 401 `invalid_token`, retry once with a refreshed token (P-11) →
 * relay status, filtered headers and body. Never follows a redirect (undici's `request` has
 * no redirect handling unless an interceptor adds it): the browser gets the 3xx (P-06).
 */
export function createHttpProxy(options: HttpProxyOptions): HttpProxy {
  const { coatcheck, dispatcher, onError } = options
  const headerOptions = {
    csrfHeaderName: coatcheck.config.csrf.headerName,
    trustProxy: options.trustProxy,
  }

  async function callUpstream(
    req: IncomingMessage,
    call: UpstreamCall,
    withBody: boolean,
    clientGone: AbortSignal,
  ): Promise<Outcome> {
    if (clientGone.aborted) return 'gone'
    const abort = new AbortController()
    const stop = () => abort.abort()
    clientGone.addEventListener('abort', stop, { once: true })
    // The route's timeout bounds the upstream's thinking time, from the end of the request
    // body: a slow client's long upload is not the upstream's fault.
    let timedOut = false
    let timer: NodeJS.Timeout | undefined
    const startTimer = () => {
      timer = setTimeout(() => {
        timedOut = true
        abort.abort()
      }, call.route.timeoutMs)
    }
    const body = withBody ? req : null
    if (body && !body.readableEnded) body.once('end', startTimer)
    else startTimer()
    const started = performance.now()
    try {
      const answer = await dispatcher.request({
        origin: call.origin,
        path: call.target,
        method: req.method ?? 'GET',
        headers: toUpstreamHeaders(forwardedRequest(req), call.headers, headerOptions),
        body,
        signal: abort.signal,
        // Replaced by the timer above, which starts when the body is sent, not before.
        headersTimeout: 0,
      })
      options.observeUpstream?.(call.route.path, (performance.now() - started) / 1000)
      return { answer }
    } catch (cause) {
      if (clientGone.aborted) return 'gone'
      return { failure: timedOut ? 'timeout' : 'unavailable', cause }
    } finally {
      clearTimeout(timer)
      body?.off('end', startTimer)
      clientGone.removeEventListener('abort', stop)
    }
  }

  async function relay(
    req: IncomingMessage,
    res: ServerResponse,
    head: RequestHead,
    answer: Answer,
    prepared: PreparedProxy,
  ): Promise<void> {
    try {
      res.writeHead(answer.statusCode, toClientHeaders(answer.headers, prepared.responseHeaders()))
    } catch (cause) {
      // A status or header value Node will not send: still the upstream's fault, still a 502.
      answer.body.destroy()
      return fail(req, res, head, prepared, { failure: 'unavailable', cause })
    }
    // An event stream may stay quiet for minutes: the browser must see its headers now.
    if (firstHeader(answer.headers['content-type'])?.startsWith('text/event-stream')) {
      res.flushHeaders()
      if (options.stopping) return relayEventStream(answer, res, options.stopping)
    }
    const end = await relayBody(answer.body, res)
    // The upstream failed midway (the client leaving is no error).
    if (typeof end === 'object') onError(new CoatcheckError('upstream_unavailable', end))
  }

  function fail(
    req: IncomingMessage,
    res: ServerResponse,
    head: RequestHead,
    prepared: PreparedProxy,
    outcome: Exclude<Outcome, 'gone' | { answer: Answer }>,
  ): Promise<void> {
    const timedOut = outcome.failure === 'timeout'
    const response = failureAnswer(coatcheck, head, prepared, timedOut, outcome.cause, onError)
    return sendResponse(req, res, response, onError)
  }

  return async (req, res, head, prepared) => {
    const clientGone = watchClient(res)
    let outcome = await callUpstream(req, prepared.plan, hasRequestBody(req), clientGone)
    if (outcome === 'gone') return
    if (!('answer' in outcome)) return fail(req, res, head, prepared, outcome)

    const { answer } = outcome
    if (isInvalidTokenAnswer(answer.statusCode, firstHeader(answer.headers['www-authenticate']))) {
      let retry: UpstreamCall | undefined
      try {
        retry = await prepared.plan.retry()
      } catch (error) {
        // The refresh failed (the session may be over): the browser learns it from our answer.
        answer.body.destroy()
        return sendResponse(req, res, refusalAnswer(error, head, prepared, onError), onError)
      }
      if (retry) {
        // Read and discard the refusal, so its connection can go back to the pool.
        await answer.body.dump().catch(() => {})
        // Only a replayable request (idempotent, no body) gets a retry: nothing to resend.
        outcome = await callUpstream(req, retry, false, clientGone)
        if (outcome === 'gone') return
        if (!('answer' in outcome)) return fail(req, res, head, prepared, outcome)
      }
    }
    return relay(req, res, head, outcome.answer, prepared)
  }
}

/**
 * Relays an event stream until it ends, the browser leaves, or `stopping` aborts: then the
 * browser's response ends cleanly (a half-sent event is dropped by `EventSource`, which
 * reconnects) and the upstream call is aborted.
 */
function relayEventStream(answer: Answer, res: ServerResponse, stopping: AbortSignal) {
  return new Promise<void>((resolve) => {
    const finish = () => {
      stopping.removeEventListener('abort', stop)
      answer.body.unpipe(res)
      answer.body.destroy()
      resolve()
    }
    const stop = () => {
      finish()
      res.end()
    }
    answer.body.once('error', () => {
      finish()
      res.destroy()
    })
    res.once('close', finish)
    if (stopping.aborted) return stop()
    stopping.addEventListener('abort', stop, { once: true })
    answer.body.pipe(res)
  })
}

/** How a relay ended: body sent, browser gone, or upstream failed with `cause`. */
type RelayEnd = 'sent' | 'client-gone' | { cause: unknown }

/**
 * Streams the upstream's body to the browser with backpressure. A browser that leaves gets
 * the body destroyed, which aborts the upstream call; an upstream that fails midway gets the
 * browser's connection destroyed, so it sees a truncated body, not a short one that looks
 * whole. `pipe` and three listeners rather than `stream.pipeline`, whose clean-up builds an
 * AbortError (with its stack trace) at the end of every call.
 */
function relayBody(body: Readable, res: ServerResponse): Promise<RelayEnd> {
  return new Promise((resolve) => {
    let failure: { cause: unknown } | undefined
    body.once('error', (cause) => {
      failure = { cause }
      res.destroy()
    })
    res.once('close', () => {
      if (failure) resolve(failure)
      else if (res.writableFinished) resolve('sent')
      else {
        body.destroy()
        resolve('client-gone')
      }
    })
    body.pipe(res)
  })
}

/** An abort signal for "the browser left before its response was complete". */
function watchClient(res: ServerResponse): AbortSignal {
  const controller = new AbortController()
  if (res.destroyed) controller.abort()
  // `close` also fires after a complete response; only an unfinished one means the client left.
  else res.once('close', () => res.writableFinished || controller.abort())
  return controller.signal
}
