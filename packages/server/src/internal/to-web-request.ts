import type { IncomingMessage } from 'node:http'
import { hasRequestBody, requestUrl } from './node-request-head.ts'

// Bytes per chunk queued before the socket is paused: the body is streamed, never buffered.
const BODY_HIGH_WATER_MARK = 64 * 1024

/**
 * Turns a Node request into a Web `Request` whose body streams from the socket. Returns
 * `undefined` when the request cannot be represented safely; the caller answers 400.
 */
export function toWebRequest(
  req: IncomingMessage,
  signal: AbortSignal,
  trustProxy: boolean,
): Request | undefined {
  const url = requestUrl(req, trustProxy)
  if (url === undefined) return undefined
  const method = req.method ?? 'GET'
  const init: RequestInit & { duplex: 'half' } = {
    method,
    headers: toHeaders(req.rawHeaders),
    signal,
    body: hasBody(req, method) ? toBodyStream(req) : null,
    duplex: 'half',
  }
  try {
    return new Request(url, init)
  } catch {
    // An invalid URL, a forbidden method such as TRACE, or a header value fetch rejects.
    return undefined
  }
}

function toHeaders(rawHeaders: readonly string[]): Headers {
  const headers = new Headers()
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    headers.append(rawHeaders[i] as string, rawHeaders[i + 1] as string)
  }
  return headers
}

// fetch refuses a body on GET and HEAD; anything else follows the framing headers.
function hasBody(req: IncomingMessage, method: string): boolean {
  return method !== 'GET' && method !== 'HEAD' && hasRequestBody(req)
}

/** The request body as a byte stream; the socket pauses whenever the consumer falls behind. */
function toBodyStream(req: IncomingMessage): ReadableStream<Uint8Array> {
  let settled = false
  let onData: (chunk: Buffer) => void = () => {}
  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        onData = (chunk) => {
          controller.enqueue(chunk)
          if ((controller.desiredSize ?? 0) <= 0) req.pause()
        }
        const fail = (error: Error) => {
          if (settled) return
          settled = true
          req.off('data', onData)
          controller.error(error)
        }
        req.on('data', onData)
        req.once('end', () => {
          if (settled) return
          settled = true
          controller.close()
        })
        req.once('error', fail)
        // A client that disconnects mid-upload must fail the reader rather than leave it waiting.
        req.once('close', () => {
          if (!req.complete) fail(new Error('The client closed the connection mid-request.'))
        })
      },
      pull() {
        req.resume()
      },
      cancel() {
        // The handler does not want the rest: discard it so the connection can be reused.
        settled = true
        req.off('data', onData)
        req.resume()
      },
    },
    new ByteLengthQueuingStrategy({ highWaterMark: BODY_HIGH_WATER_MARK }),
  )
}
