// The API behind every target, in its own process: ~200 B of JSON, a 64 KiB body, an SSE
// stream and an upload sink. Answers are built once, so the upstream costs the same for
// every target.
import { once } from 'node:events'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { serveParent } from './processes.ts'

const small = Buffer.from(
  JSON.stringify({
    id: 'ord_4711',
    status: 'shipped',
    customer: { id: 'cus_42', name: 'Alice Example' },
    items: [{ sku: 'coat-blue-m', quantity: 1, price: 12900 }],
    total: 12900,
    currency: 'EUR',
    updatedAt: '2026-01-01T00:00:00Z',
  }),
)
const large = Buffer.alloc(64 * 1024, 'x')

const server = createServer((req, res) => {
  const path = req.url ?? '/'
  if (path.startsWith('/upload')) {
    let received = 0
    req.on('data', (chunk: Buffer) => (received += chunk.length))
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(`{"received":${received}}`)
    })
    return
  }
  req.resume()
  if (path.startsWith('/events')) {
    // X-Accel-Buffering is how an SSE server tells nginx not to buffer the stream.
    res.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache',
      'x-accel-buffering': 'no',
    })
    res.write('data: first\n\n')
    return
  }
  const body = path.startsWith('/large') ? large : small
  res.writeHead(200, {
    'content-type': path.startsWith('/large') ? 'application/octet-stream' : 'application/json',
    'content-length': body.length,
  })
  res.end(body)
})
server.keepAliveTimeout = 60_000

serveParent({
  async start() {
    server.listen(0, '127.0.0.1')
    await once(server, 'listening')
    return { type: 'ready', port: (server.address() as AddressInfo).port, smallBytes: small.length }
  },
})
process.on('SIGTERM', () => {
  server.closeAllConnections()
  server.close(() => process.exit(0))
})
