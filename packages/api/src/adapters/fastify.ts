/**
 * `@coatcheck/api/fastify`: a plugin and preHandlers for Fastify 5.
 * @module
 */
import type { Subject } from '@casl/ability'
import type {
  FastifyError,
  FastifyPluginAsync,
  FastifyReply,
  FastifyRequest,
  preHandlerAsyncHookHandler,
  RouteHandlerMethod,
} from 'fastify'
import { isApiAuthError } from '../errors/api-auth-error.ts'
import { describeAuthError } from '../errors/auth-error-response.ts'
import type { RequestLike } from '../request/request-like.ts'
import {
  createAuthenticator,
  requirePermissions,
  type AuthContext,
  type AuthOptions,
} from './internal/auth-context.ts'

export type { AuthContext, AuthOptions } from './internal/auth-context.ts'

declare module 'fastify' {
  interface FastifyRequest {
    /** The verified caller, set by `requireAuth` (or `authorize`); null before. */
    auth: AuthContext | null
  }
}

/** The plugin and hooks of one API. */
export interface FastifyAuth {
  /** Decorates requests with `auth`; register it once on the root instance. */
  readonly plugin: FastifyPluginAsync
  /** preHandler: verifies the access token and sets `request.auth`. */
  readonly requireAuth: preHandlerAsyncHookHandler
  /** preHandler requiring a permission (type level); verifies first if needed. */
  authorize(action: string, subject: Subject, field?: string): preHandlerAsyncHookHandler
  /** Route handler for `GET …/my-permissions`. */
  readonly myPermissions: RouteHandlerMethod
  /** For `setErrorHandler`: answers the ApiAuthError of `assertCan()`, rethrows others. */
  errorHandler(error: FastifyError, request: FastifyRequest, reply: FastifyReply): FastifyReply
}

/**
 * Creates the Fastify plugin and hooks of an API.
 * @example
 * const auth = createFastifyAuth({ verifier, permissions })
 * await app.register(auth.plugin)
 * app.get('/articles', { preHandler: auth.authorize('read', 'Article') }, handler)
 */
export function createFastifyAuth(options: AuthOptions): FastifyAuth {
  const authenticateOnce = createAuthenticator(options)
  const ensureAuth = async (request: FastifyRequest): Promise<AuthContext> => {
    request.auth = await authenticateOnce(toRequestLike(request), request.auth)
    return request.auth
  }
  const guarded = (check: (auth: AuthContext) => void): preHandlerAsyncHookHandler =>
    async function (request, reply) {
      try {
        check(await ensureAuth(request))
      } catch (error) {
        if (!isApiAuthError(error)) throw error
        return send(reply, error)
      }
    }
  const plugin: FastifyPluginAsync = async (fastify) => {
    fastify.decorateRequest('auth', null)
  }
  // What fastify-plugin does: decorations reach the instance that registers the plugin.
  Object.assign(plugin, {
    [Symbol.for('skip-override')]: true,
    [Symbol.for('fastify.display-name')]: '@coatcheck/api',
  })
  return {
    plugin,
    requireAuth: guarded(() => {}),
    authorize(action, subject, field) {
      requirePermissions(options, 'authorize()')
      return guarded((auth) => auth.assertCan(action, subject, field))
    },
    myPermissions: async function (request, reply) {
      const permissions = requirePermissions(options, 'myPermissions')
      try {
        const response = permissions.myPermissionsHandler(await ensureAuth(request))
        return reply
          .code(response.status)
          .headers(Object.fromEntries(response.headers))
          .send(await response.text())
      } catch (error) {
        if (!isApiAuthError(error)) throw error
        return send(reply, error)
      }
    },
    errorHandler(error, _request, reply) {
      if (!isApiAuthError(error)) throw error
      return send(reply, error)
    },
  }
}

function send(reply: FastifyReply, error: Parameters<typeof describeAuthError>[0]): FastifyReply {
  const { status, headers, body } = describeAuthError(error)
  return reply.code(status).headers(headers).send(JSON.stringify(body))
}

function toRequestLike(request: FastifyRequest): RequestLike {
  return {
    method: request.method,
    url: request.raw.url ?? request.url,
    headers: request.raw.headersDistinct,
    body: request.body,
  }
}
