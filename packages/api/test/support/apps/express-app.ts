import type { AddressInfo } from 'node:net'
import express from 'express'
import { createExpressAuth } from '../../../src/adapters/express.ts'
import type { AuthOptions } from '../../../src/index.ts'
import { closeServer } from '../local-issuer.ts'
import { articleSubject, type RunningApp } from './articles.ts'

/** The suite's app on Express. */
export async function startExpressApp(options: AuthOptions): Promise<RunningApp> {
  const auth = createExpressAuth(options)
  const app = express()
  app.get('/articles', auth.authorize('read', 'Article'), (req, res) => {
    res.json({ sub: req.auth?.claims.sub, scheme: req.auth?.token.scheme })
  })
  app.put('/articles/:id', auth.requireAuth, (req, res) => {
    const article = articleSubject(String(req.params.id))
    if (article === undefined) return void res.status(404).json({ error: 'not_found' })
    req.auth?.assertCan('update', article)
    res.json({ updated: article.id })
  })
  app.delete('/comments/:id', auth.authorize('delete', 'Comment'), (_req, res) => {
    res.status(204).end()
  })
  app.get('/my-permissions', auth.myPermissions)
  app.use(auth.errorHandler)
  const server = app.listen(0, '127.0.0.1')
  await new Promise<void>((resolve) => server.once('listening', resolve))
  const { port } = server.address() as AddressInfo
  return { url: `http://127.0.0.1:${port}`, close: () => closeServer(server) }
}
