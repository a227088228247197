// A fake same-origin Coatcheck for the browser test: it serves the test page and the
// session, logout and events endpoints, with an HttpOnly session cookie.
import { randomUUID } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { build } from 'esbuild'

const PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>Coatcheck client test</title></head>
<body><p id="status">no script yet</p>
<button id="login">Log in</button> <button id="logout">Log out</button>
<script type="module" src="/page.js"></script></body></html>`

export interface FakeCoatcheckServer {
  url: string
  /** Every `/auth/*` request but the login navigation: path and its `x-csrf` header. */
  calls: { path: string; csrf: string | undefined }[]
  openStreams(): number
  /** Ends every session on the server side and pushes `session-ended` to its streams. */
  endAllSessions(reason: string): void
  close(): Promise<void>
}

export async function startFakeCoatcheckServer(): Promise<FakeCoatcheckServer> {
  const bundle = await build({
    entryPoints: [join(import.meta.dirname, 'page.ts')],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    write: false,
  })
  const script = bundle.outputFiles[0]?.text ?? ''
  const sessions = new Map<string, { name: string }>()
  const streams = new Map<string, Set<ServerResponse>>()
  const calls: FakeCoatcheckServer['calls'] = []
  let origin = ''

  function handle(request: IncomingMessage, response: ServerResponse) {
    const url = new URL(request.url ?? '/', origin)
    const sid = /(?:^|;\s*)sid=([^;]+)/.exec(request.headers.cookie ?? '')?.[1]
    const session = sid ? sessions.get(sid) : undefined
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) =>
      response
        .writeHead(status, { 'content-type': 'application/json', ...headers })
        .end(JSON.stringify(body))
    if (url.pathname === '/')
      return void response.writeHead(200, { 'content-type': 'text/html' }).end(PAGE)
    if (url.pathname === '/page.js') {
      return void response.writeHead(200, { 'content-type': 'text/javascript' }).end(script)
    }
    if (url.pathname === '/auth/login') {
      const id = randomUUID()
      sessions.set(id, { name: 'Alice' })
      const returnTo = url.searchParams.get('returnTo') ?? '/'
      return void response
        .writeHead(302, {
          location: returnTo.startsWith(`${origin}/`) ? returnTo : '/',
          'set-cookie': `sid=${id}; Path=/; HttpOnly; SameSite=Strict`,
        })
        .end()
    }
    if (!url.pathname.startsWith('/auth/')) return send(404, { error: 'not_found', message: 'No.' })
    const csrf = request.headers['x-csrf']
    calls.push({ path: url.pathname, csrf: typeof csrf === 'string' ? csrf : undefined })
    if (csrf !== '1') return send(403, { error: 'csrf_failed', message: 'Missing header.' })
    if (url.pathname === '/auth/logout' && request.method === 'POST') {
      if (sid) sessions.delete(sid)
      return send(
        200,
        { logoutUrl: `${origin}/?logged-out` },
        { 'set-cookie': 'sid=; Path=/; Max-Age=0' },
      )
    }
    if (!session || !sid) return send(401, { error: 'unauthenticated', message: 'No session.' })
    if (url.pathname === '/auth/session') {
      return send(200, {
        authenticated: true,
        user: { sub: 'alice', ...session },
        expiresAt: Date.now() + 3_600_000,
      })
    }
    if (url.pathname === '/auth/events') {
      response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store' })
      response.write(': ping\n\n')
      const open = streams.get(sid) ?? new Set()
      streams.set(sid, open.add(response))
      return void request.on('close', () => open.delete(response))
    }
    return send(404, { error: 'not_found', message: 'No such endpoint.' })
  }

  const server = createServer(handle)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return {
    url: origin,
    calls,
    openStreams: () => [...streams.values()].reduce((count, open) => count + open.size, 0),
    endAllSessions(reason) {
      for (const open of streams.values()) {
        for (const stream of open)
          stream.write(`event: session-ended\ndata: ${JSON.stringify({ reason })}\n\n`)
      }
      sessions.clear()
    },
    async close() {
      server.closeAllConnections()
      await new Promise((resolve) => server.close(resolve))
    },
  }
}
