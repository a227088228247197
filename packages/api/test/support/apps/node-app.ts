import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { AuthOptions } from '../../../src/index.ts'
import { createNodeGuard, sendAuthError } from '../../../src/adapters/node.ts'
import { isApiAuthError } from '../../../src/index.ts'
import { closeServer } from '../local-issuer.ts'
import { articleSubject, type RunningApp } from './articles.ts'

/** The suite's app on plain node:http. */
export async function startNodeApp(options: AuthOptions): Promise<RunningApp> {
  const guard = createNodeGuard(options)
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = new URL(req.url ?? '/', 'http://x').pathname
    const send = (status: number, body: unknown): void => {
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body))
    }
    if (req.method === 'GET' && path === '/articles') {
      const auth = await guard(req, res, { action: 'read', subject: 'Article' })
      if (auth !== undefined) send(200, { sub: auth.claims.sub, scheme: auth.token.scheme })
    } else if (req.method === 'PUT' && path.startsWith('/articles/')) {
      const auth = await guard(req, res)
      if (auth === undefined) return
      const article = articleSubject(path.slice('/articles/'.length))
      if (article === undefined) return send(404, { error: 'not_found' })
      try {
        auth.assertCan('update', article)
        send(200, { updated: article.id })
      } catch (error) {
        if (!isApiAuthError(error)) throw error
        sendAuthError(res, error)
      }
    } else if (req.method === 'DELETE' && path.startsWith('/comments/')) {
      const auth = await guard(req, res, { action: 'delete', subject: 'Comment' })
      if (auth !== undefined) send(204, null)
    } else if (req.method === 'GET' && path === '/my-permissions') {
      await guard.myPermissions(req, res)
    } else {
      send(404, { error: 'not_found' })
    }
  }
  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => res.destroy(error as Error))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return { url: `http://127.0.0.1:${port}`, close: () => closeServer(server) }
}
