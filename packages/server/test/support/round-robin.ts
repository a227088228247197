// A tiny round-robin HTTP balancer on 127.0.0.1:0, standing in for the load balancer in
// front of several Coatcheck instances.
import { once } from 'node:events'
import { createServer, request, type IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Cleanup } from './cleanup.ts'

/** A running balancer. */
export interface RoundRobin {
  /** `http://127.0.0.1:<port>` */
  readonly url: string
  readonly port: number
  /** Requests sent to each backend, in the order of `backends`. */
  readonly served: number[]
  /** Points the balancer at these base URLs and zeroes `served`. */
  setBackends(backends: readonly string[]): void
}

/** Starts the balancer; each request goes to the next backend, whole, on a fresh connection. */
export async function startRoundRobin(t: Cleanup): Promise<RoundRobin> {
  let backends: readonly string[] = []
  const served: number[] = []
  let next = 0
  const server = createServer((req, res) => {
    const index = next++ % backends.length
    served[index] = (served[index] ?? 0) + 1
    const target = new URL(req.url ?? '/', backends[index])
    const upstream = request(target, { method: req.method, headers: req.headers, agent: false })
    upstream.on('response', (answer: IncomingMessage) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers)
      answer.pipe(res)
    })
    upstream.on('error', () => {
      if (!res.headersSent) res.writeHead(502)
      res.end()
    })
    req.pipe(upstream)
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  t.after(
    () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  )
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    served,
    setBackends(list) {
      backends = list
      served.length = 0
      for (let i = 0; i < list.length; i++) served[i] = 0
    },
  }
}
