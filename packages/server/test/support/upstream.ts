// A real HTTP upstream (an "API") on 127.0.0.1:0 that records every request it receives.
import { once } from 'node:events'
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import type { Cleanup } from './cleanup.ts'

/** What the upstream saw of one request. */
export interface RecordedRequest {
  method: string
  url: string
  headers: IncomingHttpHeaders
}

/** A running upstream. */
export interface Upstream {
  /** `http://127.0.0.1:<port>` */
  readonly url: string
  readonly host: string
  readonly server: Server
  readonly requests: RecordedRequest[]
}

type Handler = (req: IncomingMessage, res: ServerResponse) => void

/**
 * Starts an upstream, closed when the test ends. Without a handler it answers
 * `{ method, url }` as JSON.
 */
export async function startUpstream(t: Cleanup, handler?: Handler): Promise<Upstream> {
  const requests: RecordedRequest[] = []
  const server = createServer((req, res) => {
    requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers })
    if (handler) return handler(req, res)
    req.resume()
    res.setHeader('content-type', 'application/json')
    res.end(JSON.stringify({ method: req.method, url: req.url }))
  })
  // Every socket, upgraded ones included: closeAllConnections() does not see those.
  const sockets = new Set<Socket>()
  server.on('connection', (socket: Socket) => {
    sockets.add(socket)
    socket.once('close', () => sockets.delete(socket))
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  t.after(
    () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        for (const socket of sockets) socket.destroy()
      }),
  )
  const { port } = server.address() as AddressInfo
  return { url: `http://127.0.0.1:${port}`, host: `127.0.0.1:${port}`, server, requests }
}
