/**
 * `@coatcheck/api/express`: middleware for Express 5.
 * @module
 */
import type { Subject } from '@casl/ability'
import type { ErrorRequestHandler, Request, RequestHandler } from 'express'
import { isApiAuthError } from '../errors/api-auth-error.ts'
import type { RequestLike } from '../request/request-like.ts'
import {
  createAuthenticator,
  requirePermissions,
  type AuthContext,
  type AuthOptions,
} from './internal/auth-context.ts'
import { sendAuthError, sendWebResponse } from './internal/node-response.ts'

export type { AuthContext, AuthOptions } from './internal/auth-context.ts'

declare module 'express-serve-static-core' {
  interface Request {
    /** The verified caller, set by `requireAuth` (or `authorize`). */
    auth?: AuthContext
  }
}

/** The middleware of one API. */
export interface ExpressAuth {
  /** Verifies the access token and sets `req.auth`; refusals are answered right away. */
  readonly requireAuth: RequestHandler
  /** Requires a permission of the endpoint (type level); verifies first if needed. */
  authorize(action: string, subject: Subject, field?: string): RequestHandler
  /** Answers `GET …/my-permissions` with the caller's packed rules. */
  readonly myPermissions: RequestHandler
  /** Error middleware answering the ApiAuthError of `req.auth.assertCan()`; others pass on. */
  readonly errorHandler: ErrorRequestHandler
}

/**
 * Creates the Express middleware of an API.
 * @example
 * const auth = createExpressAuth({ verifier, permissions })
 * app.get('/articles', auth.authorize('read', 'Article'), (req, res) => res.json(...))
 * app.use(auth.errorHandler)
 */
export function createExpressAuth(options: AuthOptions): ExpressAuth {
  const authenticateOnce = createAuthenticator(options)
  const ensureAuth = async (req: Request): Promise<AuthContext> => {
    req.auth = await authenticateOnce(toRequestLike(req), req.auth)
    return req.auth
  }
  const errorHandler: ErrorRequestHandler = (error, _req, res, next) => {
    if (!isApiAuthError(error) || res.headersSent) return next(error)
    sendAuthError(res, error)
  }
  return {
    requireAuth: (req, res, next) => {
      ensureAuth(req).then(
        () => next(),
        (error: unknown) => errorHandler(error, req, res, next),
      )
    },
    authorize(action, subject, field) {
      requirePermissions(options, 'authorize()')
      return (req, res, next) => {
        ensureAuth(req)
          .then((auth) => auth.assertCan(action, subject, field))
          .then(
            () => next(),
            (error: unknown) => errorHandler(error, req, res, next),
          )
      }
    },
    myPermissions: (req, res, next) => {
      const permissions = requirePermissions(options, 'myPermissions')
      ensureAuth(req)
        .then((auth) => sendWebResponse(res, permissions.myPermissionsHandler(auth)))
        .catch((error: unknown) => errorHandler(error, req, res, next))
    },
    errorHandler,
  }
}

function toRequestLike(req: Request): RequestLike {
  // originalUrl: the full path even inside a mounted router (the DPoP htu names it).
  return { method: req.method, url: req.originalUrl, headers: req.headersDistinct, body: req.body }
}
