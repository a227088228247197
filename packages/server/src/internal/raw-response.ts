import { STATUS_CODES } from 'node:http'
import type { Duplex } from 'node:stream'
import { toRawHeaders } from './send-response.ts'

/**
 * An HTTP/1.1 response head for a socket the HTTP server handed over (an upgrade): status
 * line and `[name, value, …]` headers. Values come from llhttp or `Headers`, which both
 * refuse CR and LF, so nothing here can split the response.
 */
export function toRawHead(status: number, headers: readonly string[]): string {
  let head = `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Unknown'}\r\n`
  for (let i = 0; i + 1 < headers.length; i += 2) head += `${headers[i]}: ${headers[i + 1]}\r\n`
  return `${head}\r\n`
}

/**
 * Writes a whole response to an upgrade socket and closes it: refusals are small JSON
 * bodies, read in full so the `Content-Length` is exact. The connection is never reused.
 */
export async function writeRawResponse(socket: Duplex, response: Response): Promise<void> {
  endSocket(socket, await serializeResponse(response, ['connection', 'close']))
}

/**
 * A whole small response as bytes: the head, with an exact `Content-Length` and `extra`
 * headers, then the body (left out for `bodyless`, the answer to HEAD).
 */
export async function serializeResponse(
  response: Response,
  extra: readonly string[],
  bodyless = false,
): Promise<Buffer> {
  const body = Buffer.from(await response.arrayBuffer())
  const headers = without(toRawHeaders(response.headers), FRAMING)
  headers.push('content-length', String(body.length), ...extra)
  const head = Buffer.from(toRawHead(response.status, headers), 'latin1')
  return bodyless ? head : Buffer.concat([head, body])
}

/** Writes a bodiless answer (`Content-Length: 0`) to an upgrade socket and closes it. */
export function writeRawStatus(socket: Duplex, status: number, headers: readonly string[]): void {
  const head = [...without(headers, BODY_HEADERS), 'content-length', '0', 'connection', 'close']
  endSocket(socket, Buffer.from(toRawHead(status, head), 'latin1'))
}

/** Sends the last bytes, then closes, so a client that never closes cannot keep the socket. */
function endSocket(socket: Duplex, data: Buffer): void {
  if (socket.destroyed) return
  socket.end(data, () => socket.destroy())
}

// Framing is ours to set: the body is rewritten and the connection is closed afterwards.
const FRAMING = new Set(['content-length', 'transfer-encoding', 'connection', 'keep-alive'])
// Without a body, headers describing one would describe nothing.
const BODY_HEADERS = new Set([...FRAMING, 'content-type', 'content-encoding', 'content-range'])

function without(headers: readonly string[], dropped: ReadonlySet<string>): string[] {
  const kept: string[] = []
  for (let i = 0; i + 1 < headers.length; i += 2) {
    const name = headers[i] as string
    if (!dropped.has(name.toLowerCase())) kept.push(name, headers[i + 1] as string)
  }
  return kept
}
