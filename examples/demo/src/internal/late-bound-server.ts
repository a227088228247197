import { createServer, type RequestListener } from 'node:http'
import type { AddressInfo } from 'node:net'

/** A listening server whose request listener is attached once the rest of the demo is built. */
export interface LateBoundServer {
  readonly port: number
  serve(listener: RequestListener): void
  /** Stops listening and drops open connections: a demo needs no drain. Safe to call twice. */
  close(): Promise<void>
}

/**
 * Listens first, because with port 0 the URLs (and so the identity provider's client and
 * Coatcheck's configuration) depend on the ports actually bound. Requests that arrive before
 * `serve()` get a 503.
 */
export async function listenLateBound(port: number, host: string): Promise<LateBoundServer> {
  let listener: RequestListener | undefined
  const server = createServer((req, res) => {
    if (listener) return listener(req, res)
    res.writeHead(503, { 'content-type': 'text/plain', 'retry-after': '1' }).end('Starting…')
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      const reason = error.code === 'EADDRINUSE' ? 'the port is already in use' : error.message
      reject(new Error(`Cannot listen on ${host}:${port}: ${reason}.`, { cause: error }))
    })
    server.listen(port, host, resolve)
  })
  let closing: Promise<void> | undefined
  return {
    port: (server.address() as AddressInfo).port,
    serve(next) {
      listener = next
    },
    close() {
      closing ??= new Promise((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      })
      return closing
    },
  }
}
