// Serves a Coatcheck engine over real HTTP on 127.0.0.1:0, for the parts of a flow that
// cross the network: the dev IdP's back-channel logout call, event streams.
import { createServer, type IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface HttpListener {
  /** E.g. `http://127.0.0.1:41234`. */
  readonly url: string
  /** Every request body received, by path, in order. */
  readonly bodies: Map<string, string[]>
  close(): Promise<void>
}

/** Listens first, so the URL is known before the handler (whose config needs it) exists. */
export async function listenLate(
  handler: () => ((request: Request) => Promise<Response>) | undefined,
): Promise<HttpListener> {
  const bodies = new Map<string, string[]>()
  const server = createServer((req, res) => {
    const abort = new AbortController()
    res.on('close', () => abort.abort())
    void (async () => {
      const body = await readAll(req)
      const path = new URL(req.url ?? '/', 'http://x').pathname
      bodies.set(path, [...(bodies.get(path) ?? []), body.toString('utf8')])
      const handle = handler()
      if (!handle) return void res.writeHead(503).end()
      const headers = new Headers()
      for (const [name, value] of Object.entries(req.headers)) {
        if (typeof value === 'string') headers.set(name, value)
        else for (const item of value ?? []) headers.append(name, item)
      }
      const response = await handle(
        new Request(`http://${req.headers.host}${req.url}`, {
          method: req.method ?? 'GET',
          headers,
          signal: abort.signal,
          ...(body.length > 0 ? { body: new Uint8Array(body) } : {}),
        }),
      )
      const raw: string[] = []
      for (const [name, value] of response.headers) if (name !== 'set-cookie') raw.push(name, value)
      for (const cookie of response.headers.getSetCookie()) raw.push('set-cookie', cookie)
      res.writeHead(response.status, raw)
      res.flushHeaders()
      if (response.body) for await (const chunk of response.body) res.write(chunk)
      res.end()
    })().catch(() => res.destroy())
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    bodies,
    async close() {
      server.closeAllConnections()
      await new Promise((resolve) => server.close(resolve))
    },
  }
}

async function readAll(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks)
}
