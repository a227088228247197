import { createServer, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { NodeListener } from '../node-adapter.ts'
import { isWebSocketHandshake, type UpgradeListener } from './upgrade-proxy.ts'

/** Timeouts of the HTTP server, in milliseconds. */
export interface ServerTimeouts {
  /**
   * Idle time before a keep-alive connection is closed. Above the 60 s idle timeout of
   * common load balancers, so that they retire a pooled connection before we do; the other
   * way round, a request sent on a connection we are closing becomes a 502. Default 65 000.
   */
  keepAliveMs?: number
  /**
   * Time a client has to send its request headers; bounds slow-header (slowloris) attacks.
   * Kept above `keepAliveMs` (nodejs/node#27363). Default `keepAliveMs + 1000`.
   */
  headersMs?: number
  /** Time a client has to send the whole request, body included. Default 300 000. */
  requestMs?: number
}

/** Options of {@link createHttpServer}. */
export interface HttpServerOptions {
  timeouts?: ServerTimeouts
  /** Largest request head accepted, in bytes; larger gets 431. Default 16 KiB (Node's). */
  maxHeaderSize?: number
  /** Receives WebSocket handshakes; other upgrade requests are served as plain requests. */
  upgrade?: UpgradeListener
}

/** A listening server and a way to stop it without cutting requests short. */
export interface HttpServer {
  readonly server: Server
  /** Binds the port; `0` picks a free one. Resolves with the address actually bound. */
  listen(port: number, host: string): Promise<AddressInfo>
  /**
   * Stops accepting connections, lets in-flight requests finish (up to `graceMs`, then cuts
   * them: an event stream never finishes by itself) and closes keep-alive connections.
   * Resolves with `true` when the deadline forced cuts.
   */
  close(graceMs: number): Promise<boolean>
}

/** Creates the `node:http` server with Coatcheck's timeouts and graceful shutdown. */
export function createHttpServer(
  listener: NodeListener,
  options: HttpServerOptions = {},
): HttpServer {
  const keepAliveMs = options.timeouts?.keepAliveMs ?? 65_000
  const headersMs = options.timeouts?.headersMs ?? keepAliveMs + 1_000
  const requestMs = Math.max(options.timeouts?.requestMs ?? 300_000, headersMs)
  const upgrade = options.upgrade
  const inFlight = new Set<ServerResponse>()
  let closing = false

  const server = createServer(
    {
      headersTimeout: headersMs,
      requestTimeout: requestMs,
      maxHeaderSize: options.maxHeaderSize ?? 16_384,
      // Only a WebSocket handshake leaves HTTP; `Upgrade: h2c` on an ordinary request is
      // answered as that request (Upgrade is hop-by-hop and never forwarded). Node ≥ 24.9.
      shouldUpgradeCallback: (req) => upgrade !== undefined && isWebSocketHandshake(req),
    },
    (req, res) => {
      inFlight.add(res)
      res.once('close', () => inFlight.delete(res))
      if (closing) endAfterResponse(res)
      listener(req, res)
    },
  )
  server.keepAliveTimeout = keepAliveMs
  if (upgrade) server.on('upgrade', upgrade)

  function endAfterResponse(res: ServerResponse): void {
    // Headers not sent yet: tell the client, and Node closes the socket after this response.
    if (!res.headersSent) res.setHeader('connection', 'close')
    // Headers already sent with keep-alive: close the socket once it is idle again.
    res.once('finish', () => setImmediate(() => server.closeIdleConnections()))
  }

  return {
    server,
    listen(port, host) {
      return new Promise((resolve, reject) => {
        server.once('error', reject)
        server.listen(port, host, () => {
          server.off('error', reject)
          resolve(server.address() as AddressInfo)
        })
      })
    },
    close(graceMs) {
      closing = true
      for (const res of inFlight) endAfterResponse(res)
      return new Promise((resolve) => {
        let forced = false
        const timer = setTimeout(() => {
          forced = inFlight.size > 0
          server.closeAllConnections()
        }, graceMs)
        server.close(() => {
          clearTimeout(timer)
          resolve(forced)
        })
        server.closeIdleConnections()
      })
    },
  }
}
