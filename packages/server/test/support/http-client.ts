// Small HTTP helpers over node:http: unlike fetch, node:http sends exactly the headers given
// (no Fetch Metadata, no Origin), so each test says what the "browser" sent.
import { once } from 'node:events'
import {
  createServer,
  request as httpRequest,
  type IncomingHttpHeaders,
  type IncomingMessage,
} from 'node:http'
import { connect, type AddressInfo } from 'node:net'

/** A whole answer: status, headers and the body as text. */
export interface Answer {
  status: number
  headers: IncomingHttpHeaders
  body: string
}

/** Options of {@link send}. */
export interface SendOptions {
  method?: string
  headers?: Record<string, string>
  body?: string
}

/** Sends one request on a fresh connection and reads the whole answer. */
export async function send(url: string, options: SendOptions = {}): Promise<Answer> {
  const req = httpRequest(url, {
    method: options.method ?? 'GET',
    headers: options.headers ?? {},
    agent: false,
  })
  req.end(options.body)
  const [res] = (await once(req, 'response')) as [IncomingMessage]
  let body = ''
  for await (const chunk of res) body += String(chunk)
  return { status: res.statusCode ?? 0, headers: res.headers, body }
}

/** A GET: the login helpers use it for navigations. */
export function get(url: string, headers: Record<string, string> = {}): Promise<Answer> {
  return send(url, { headers })
}

/** The `Cookie` header a browser would send back after this answer. */
export function cookiesFrom(answer: Answer): string {
  return (answer.headers['set-cookie'] ?? []).map((cookie) => cookie.split(';')[0]).join('; ')
}

/**
 * Sends raw bytes on a TCP socket and returns everything the server wrote before closing;
 * send `Connection: close`. The socket is not half-closed: Node's server aborts a request
 * whose client has sent FIN, so an answer that takes an upstream round trip would be lost.
 */
export async function sendRaw(port: number, text: string): Promise<string> {
  const socket = connect(port, '127.0.0.1')
  socket.write(text)
  let received = ''
  socket.setEncoding('utf8')
  for await (const chunk of socket) received += String(chunk)
  return received
}

/** A port on 127.0.0.1 that nothing listens on now: to bind later, or to be refused on. */
export async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as AddressInfo
  await new Promise((resolve) => server.close(resolve))
  return port
}
