import type { IncomingMessage } from 'node:http'

// A host name, IPv4 or bracketed IPv6 literal, with an optional port. Anything else in Host
// (`evil.com/x@`, spaces, a second authority) could make the URL parse differently.
const HOST = /^(?:[A-Za-z0-9._-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/
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
  const target = req.url ?? ''
  // Only origin-form targets (`/path?query`). An absolute-form target (`GET http://evil/`)
  // would let the client pick the URL's authority, and `*` names no resource.
  if (!target.startsWith('/')) return undefined
  const origin = originOf(req, trustProxy)
  if (!origin) return undefined
  const method = req.method ?? 'GET'
  const init: RequestInit & { duplex: 'half' } = {
    method,
    headers: toHeaders(req.rawHeaders),
    signal,
    body: hasBody(req, method) ? toBodyStream(req) : null,
    duplex: 'half',
  }
  try {
    // Concatenated, not resolved: `new URL('//evil.com/x', base)` would change the host.
    return new Request(origin + target, init)
  } catch {
    // An invalid URL, a forbidden method such as TRACE, or a header value fetch rejects.
    return undefined
  }
}

function originOf(req: IncomingMessage, trustProxy: boolean): string | undefined {
  const forwardedProto = trustProxy ? firstValue(req.headers['x-forwarded-proto']) : undefined
  const forwardedHost = trustProxy ? firstValue(req.headers['x-forwarded-host']) : undefined
  const encrypted = 'encrypted' in req.socket && req.socket.encrypted === true
  const scheme =
    forwardedProto === 'https' || forwardedProto === 'http'
      ? forwardedProto
      : encrypted
        ? 'https'
        : 'http'
  const host = forwardedHost ?? req.headers.host ?? '127.0.0.1'
  return HOST.test(host) ? `${scheme}://${host}` : undefined
}

function firstValue(header: string | string[] | undefined): string | undefined {
  const value = Array.isArray(header) ? header[0] : header
  return value?.split(',')[0]?.trim().toLowerCase() || undefined
}

function toHeaders(rawHeaders: readonly string[]): Headers {
  const headers = new Headers()
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    headers.append(rawHeaders[i] as string, rawHeaders[i + 1] as string)
  }
  return headers
}

function hasBody(req: IncomingMessage, method: string): boolean {
  if (method === 'GET' || method === 'HEAD') return false
  const length = req.headers['content-length']
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0')
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
