import type { IncomingMessage, ServerResponse } from 'node:http'
import { toWebRequest } from './internal/to-web-request.ts'

/** A Web-standard request handler, such as `coatcheck.handle`. */
export type RequestHandle = (request: Request) => Promise<Response>

/** Options of {@link createNodeListener}. */
export interface NodeListenerOptions {
  /**
   * Build `request.url` from `X-Forwarded-Proto` and `X-Forwarded-Host`. Only set it behind
   * a proxy you run that overwrites both. Coatcheck builds redirect URIs from its
   * configuration, never from this URL, so it is cosmetic either way.
   */
  trustProxy?: boolean
  /** Receives exceptions thrown by `handle` and failures while streaming a response body. */
  onError?: (error: unknown) => void
}

/** Node request listener, as `http.createServer()` takes it. */
export type NodeListener = (req: IncomingMessage, res: ServerResponse) => void

const BAD_REQUEST = JSON.stringify({ error: 'bad_request', message: 'The request is malformed.' })
const INTERNAL_ERROR = JSON.stringify({
  error: 'internal_error',
  message: 'Something went wrong inside Coatcheck.',
})

/**
 * Serves a Web-standard `handle` function from `node:http`. Bodies stream both ways with
 * backpressure, `request.signal` aborts when the client goes away, and nothing the handler
 * does can crash the process: an exception becomes a generic 500.
 *
 * @see https://fetch.spec.whatwg.org/#request-class
 */
export function createNodeListener(
  handle: RequestHandle,
  options: NodeListenerOptions = {},
): NodeListener {
  const trustProxy = options.trustProxy === true
  const onError = options.onError ?? reportError

  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const controller = new AbortController()
    // `close` also fires after a complete response; only an unfinished one means the client left.
    res.once('close', () => {
      if (!res.writableFinished) controller.abort()
    })
    const request = toWebRequest(req, controller.signal, trustProxy)
    if (!request) return sendJson(res, 400, BAD_REQUEST)
    let response: Response
    try {
      response = await handle(request)
    } catch (error) {
      onError(error)
      // The exception's own message may quote a token or an internal address: never send it.
      return sendJson(res, 500, INTERNAL_ERROR)
    }
    await sendResponse(req, res, response, onError)
  }

  return (req, res) => {
    serve(req, res).catch((error: unknown) => {
      onError(error)
      sendJson(res, 500, INTERNAL_ERROR)
    })
  }
}

async function sendResponse(
  req: IncomingMessage,
  res: ServerResponse,
  response: Response,
  onError: (error: unknown) => void,
): Promise<void> {
  res.writeHead(response.status, toRawHeaders(response.headers))
  const body = response.body
  if (body === null || req.method === 'HEAD') {
    await body?.cancel()
    res.end()
    return
  }
  // An event stream may stay silent for a while; the browser must see its headers at once.
  if (response.headers.get('content-type')?.startsWith('text/event-stream')) res.flushHeaders()
  try {
    // Leaving the loop early cancels the body, which aborts the upstream fetch behind it.
    for await (const chunk of body) {
      if (res.destroyed) return
      if (!res.write(chunk)) await drainedOrClosed(res)
    }
    res.end()
  } catch (error) {
    if (!res.destroyed) onError(error)
    // Headers are gone already: cut the connection so the client sees a truncated body
    // instead of a short one that looks complete.
    res.destroy()
  }
}

function toRawHeaders(headers: Headers): string[] {
  const raw: string[] = []
  for (const [name, value] of headers) if (name !== 'set-cookie') raw.push(name, value)
  // Set-Cookie cannot be folded into one line (RFC 6265 §3): one header per cookie.
  for (const cookie of headers.getSetCookie()) raw.push('set-cookie', cookie)
  return raw
}

function drainedOrClosed(res: ServerResponse): Promise<void> {
  if (res.destroyed) return Promise.resolve()
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done)
      res.off('close', done)
      resolve()
    }
    res.on('drain', done)
    res.on('close', done)
  })
}

function sendJson(res: ServerResponse, status: number, body: string): void {
  if (res.headersSent) {
    res.destroy()
    return
  }
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
  })
  res.end(body)
}

function reportError(error: unknown): void {
  console.error('coatcheck: a request failed inside the handler:', error)
}
