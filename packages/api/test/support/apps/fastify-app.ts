import Fastify from 'fastify'
import { createFastifyAuth } from '../../../src/adapters/fastify.ts'
import type { AuthOptions } from '../../../src/index.ts'
import { articleSubject, type RunningApp } from './articles.ts'

/** The suite's app on Fastify. */
export async function startFastifyApp(options: AuthOptions): Promise<RunningApp> {
  const auth = createFastifyAuth(options)
  const app = Fastify()
  await app.register(auth.plugin)
  app.setErrorHandler(auth.errorHandler)
  app.get('/articles', { preHandler: auth.authorize('read', 'Article') }, async (request) => ({
    sub: request.auth?.claims.sub,
    scheme: request.auth?.token.scheme,
  }))
  app.put<{ Params: { id: string } }>(
    '/articles/:id',
    { preHandler: auth.requireAuth },
    async (request, reply) => {
      const article = articleSubject(request.params.id)
      if (article === undefined) return reply.code(404).send({ error: 'not_found' })
      request.auth?.assertCan('update', article)
      return { updated: article.id }
    },
  )
  app.delete(
    '/comments/:id',
    { preHandler: auth.authorize('delete', 'Comment') },
    async (_r, reply) => reply.code(204).send(),
  )
  app.get('/my-permissions', auth.myPermissions)
  const url = await app.listen({ port: 0, host: '127.0.0.1' })
  return { url, close: () => app.close() }
}
