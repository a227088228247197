// The floor of any Node gateway: node:http in, undici out, bodies piped both ways, and no
// session, token, CORS or header work at all. Not a product: a reference row that shows how
// much of the distance to nginx is the platform and how much is Coatcheck.
import { once } from 'node:events'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Agent, type Dispatcher } from 'undici'
import { serveParent } from './processes.ts'

const agent = new Agent()
const server = createServer()
server.keepAliveTimeout = 60_000

serveParent({
  async start(message) {
    const upstream = new URL(String(message['upstream']))
    server.on('request', (req, res) => {
      const { host: _host, connection: _connection, ...headers } = req.headers
      const hasBody = req.headers['content-length'] !== undefined
      agent
        .request({
          origin: upstream.origin,
          path: (req.url ?? '/').replace(/^\/api/, ''),
          method: (req.method ?? 'GET') as Dispatcher.HttpMethod,
          headers,
          body: hasBody ? req : null,
        })
        .then(
          (answer) => {
            res.writeHead(answer.statusCode, answer.headers as Record<string, string>)
            answer.body.pipe(res)
          },
          () => res.writeHead(502).end(),
        )
    })
    server.listen(0, '127.0.0.1')
    await once(server, 'listening')
    return { type: 'ready', port: (server.address() as AddressInfo).port }
  },
})
process.on('SIGTERM', () => {
  server.closeAllConnections()
  server.close(() => process.exit(0))
})
