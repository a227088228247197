import type { IncomingMessage, ServerResponse } from 'node:http'
import { BAD_REQUEST, INTERNAL_ERROR, sendJson, sendResponse } from './internal/send-response.ts'
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
  /** When it aborts (shutdown), event streams end cleanly instead of being cut at the deadline. */
  stopping?: AbortSignal
}

/** Node request listener, as `http.createServer()` takes it. */
export type NodeListener = (req: IncomingMessage, res: ServerResponse) => void

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
    await sendResponse(req, res, response, onError, options.stopping)
  }

  return (req, res) => {
    serve(req, res).catch((error: unknown) => {
      onError(error)
      sendJson(res, 500, INTERNAL_ERROR)
    })
  }
}

function reportError(error: unknown): void {
  console.error('coatcheck: a request failed inside the handler:', error)
}
