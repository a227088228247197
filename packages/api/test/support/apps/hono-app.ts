import type { AddressInfo } from 'node:net'
import { serve } from '@hono/node-server'
import { Hono } from 'hono'
import { createHonoAuth, type AuthEnv } from '../../../src/adapters/hono.ts'
import type { AuthOptions } from '../../../src/index.ts'
import { articleSubject, type RunningApp } from './articles.ts'

/** The suite's app on Hono (served by @hono/node-server). */
export async function startHonoApp(options: AuthOptions): Promise<RunningApp> {
  const auth = createHonoAuth(options)
  const app = new Hono<AuthEnv>()
  app.onError(auth.errorHandler)
  app.get('/articles', auth.authorize('read', 'Article'), (c) =>
    c.json({ sub: c.var.auth.claims.sub, scheme: c.var.auth.token.scheme }),
  )
  app.put('/articles/:id', auth.requireAuth, (c) => {
    const article = articleSubject(c.req.param('id'))
    if (article === undefined) return c.json({ error: 'not_found' }, 404)
    c.var.auth.assertCan('update', article)
    return c.json({ updated: article.id })
  })
  app.delete('/comments/:id', auth.authorize('delete', 'Comment'), (c) => c.body(null, 204))
  app.get('/my-permissions', auth.myPermissions)
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const started = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () =>
      resolve(started),
    )
  })
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()))
        if ('closeAllConnections' in server) server.closeAllConnections()
      }),
  }
}
