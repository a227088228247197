import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'

type Handler = (req: IncomingMessage, res: ServerResponse) => void

/** A listening HTTP server whose request handler is attached after the port is known. */
export interface LateBoundServer {
  readonly port: number
  /** The host part of the default issuer: `localhost`, an IPv4 address or a bracketed IPv6. */
  readonly issuerHost: string
  setHandler(handler: Handler): void
  close(): Promise<void>
}

/**
 * Listens first, because the issuer (and so the provider) depends on the port when port 0
 * picks a free one. Requests that arrive before the handler is set get a 503.
 * `localhost` listens on 127.0.0.1 so the address does not depend on resolver order.
 */
export async function listenLateBound(host: string, port: number): Promise<LateBoundServer> {
  let handler: Handler | undefined
  const server = createServer((req, res) => {
    if (handler !== undefined) return handler(req, res)
    res.writeHead(503, { 'content-type': 'text/plain' }).end('starting')
  })
  const listenHost = host === 'localhost' ? '127.0.0.1' : host
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, listenHost, () => {
      server.off('error', reject)
      resolve()
    })
  })
  const address = server.address()
  if (address === null || typeof address === 'string') throw new Error('unexpected server address')
  let closing: Promise<void> | undefined
  return {
    port: address.port,
    issuerHost: host.includes(':') ? `[${host}]` : host,
    setHandler(next) {
      handler = next
    },
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve())
        // Keep-alive sockets from test clients would otherwise hold close() open.
        server.closeAllConnections()
      })
      return closing
    },
  }
}
