import type { IncomingMessage, ServerResponse } from 'node:http'

/** The body of every 500 Coatcheck writes itself: generic, so no internal detail leaks. */
export const INTERNAL_ERROR = JSON.stringify({
  error: 'internal_error',
  message: 'Something went wrong inside Coatcheck.',
})

/** The body of a 400 for a request Coatcheck cannot even represent (bad target or Host). */
export const BAD_REQUEST = JSON.stringify({
  error: 'bad_request',
  message: 'The request is malformed.',
})

/**
 * Writes a Web `Response` to a Node response, streaming its body with backpressure. A body
 * that fails midway destroys the connection, so the client sees a truncated response
 * instead of a short one that looks complete. An event stream ends cleanly when `stopping`
 * aborts (shutdown): the browser's `EventSource` then reconnects, to another instance.
 */
export async function sendResponse(
  req: IncomingMessage,
  res: ServerResponse,
  response: Response,
  onError: (error: unknown) => void,
  stopping?: AbortSignal,
): Promise<void> {
  res.writeHead(response.status, toRawHeaders(response.headers))
  const body = response.body
  if (body === null || req.method === 'HEAD') {
    await body?.cancel()
    res.end()
    return
  }
  // An event stream may stay silent for a while; the browser must see its headers at once.
  const reader = body.getReader()
  const stop = () => void reader.cancel().catch(() => {})
  if (response.headers.get('content-type')?.startsWith('text/event-stream')) {
    res.flushHeaders()
    if (stopping?.aborted) stop()
    else stopping?.addEventListener('abort', stop, { once: true })
  }
  try {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      // Cancelling the body aborts the upstream fetch behind it.
      if (res.destroyed) return void (await reader.cancel())
      if (!res.write(value)) await drainedOrClosed(res)
    }
    res.end()
  } catch (error) {
    if (!res.destroyed) onError(error)
    res.destroy()
  } finally {
    stopping?.removeEventListener('abort', stop)
  }
}

/** Writes a small JSON answer; when headers are already out, cuts the connection instead. */
export function sendJson(res: ServerResponse, status: number, body: string): void {
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

/** A `Headers` as Node's raw `[name, value, …]` list, one `Set-Cookie` line per cookie. */
export function toRawHeaders(headers: Headers): string[] {
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
