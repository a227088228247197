/**
 * `@coatcheck/api/hono`: middleware for Hono 4.
 * @module
 */
import type { Subject } from '@casl/ability'
import type { Context, ErrorHandler, Handler, MiddlewareHandler } from 'hono'
import { isApiAuthError } from '../errors/api-auth-error.ts'
import { authErrorResponse } from '../errors/auth-error-response.ts'
import {
  createAuthenticator,
  requirePermissions,
  type AuthContext,
  type AuthOptions,
} from './internal/auth-context.ts'

export type { AuthContext, AuthOptions } from './internal/auth-context.ts'

/** The Hono environment these middleware set: `c.get('auth')`. */
export interface AuthEnv {
  Variables: { auth: AuthContext }
}

/** The middleware of one API. */
export interface HonoAuth {
  /** Verifies the access token and sets `c.var.auth`; refusals are answered right away. */
  readonly requireAuth: MiddlewareHandler<AuthEnv>
  /** Requires a permission of the endpoint (type level); verifies first if needed. */
  authorize(action: string, subject: Subject, field?: string): MiddlewareHandler<AuthEnv>
  /** Handler for `GET …/my-permissions`. */
  readonly myPermissions: Handler<AuthEnv>
  /** For `app.onError`: answers the ApiAuthError of `assertCan()`, rethrows others. */
  readonly errorHandler: ErrorHandler<AuthEnv>
}

/**
 * Creates the Hono middleware of an API. The request is read as the Web `Request` it is.
 * @example
 * const auth = createHonoAuth({ verifier, permissions })
 * app.get('/articles', auth.authorize('read', 'Article'), (c) => c.json(...))
 * app.onError(auth.errorHandler)
 */
export function createHonoAuth(options: AuthOptions): HonoAuth {
  const authenticateOnce = createAuthenticator(options)
  const ensureAuth = async (c: Context<AuthEnv>): Promise<AuthContext> => {
    const auth = await authenticateOnce(c.req.raw, c.get('auth'))
    c.set('auth', auth)
    return auth
  }
  const guarded =
    (check: (auth: AuthContext) => void): MiddlewareHandler<AuthEnv> =>
    async (c, next) => {
      try {
        check(await ensureAuth(c))
      } catch (error) {
        if (!isApiAuthError(error)) throw error
        return authErrorResponse(error)
      }
      await next()
      return undefined
    }
  return {
    requireAuth: guarded(() => {}),
    authorize(action, subject, field) {
      requirePermissions(options, 'authorize()')
      return guarded((auth) => auth.assertCan(action, subject, field))
    },
    myPermissions: async (c) => {
      const permissions = requirePermissions(options, 'myPermissions')
      try {
        return permissions.myPermissionsHandler(await ensureAuth(c))
      } catch (error) {
        if (!isApiAuthError(error)) throw error
        return authErrorResponse(error)
      }
    },
    errorHandler: (error) => {
      if (!isApiAuthError(error)) throw error
      return authErrorResponse(error)
    },
  }
}
