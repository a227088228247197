/**
 * `@coatcheck/api/node`: a guard for plain `node:http` servers.
 * @module
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Subject } from '@casl/ability'
import type { RequestLike } from '../request/request-like.ts'
import {
  authenticate,
  requirePermissions,
  type AuthContext,
  type AuthOptions,
} from './internal/auth-context.ts'
import { sendFailure, sendWebResponse } from './internal/node-response.ts'

export type { AuthContext, AuthOptions } from './internal/auth-context.ts'
export { sendAuthError } from './internal/node-response.ts'

/** A type-level permission an endpoint needs, checked before the handler runs. */
export interface Requirement {
  readonly action: string
  readonly subject: Subject
  readonly field?: string
}

/** Verifies a request; on refusal the response is already sent and it resolves undefined. */
export interface NodeGuard {
  (
    req: IncomingMessage,
    res: ServerResponse,
    requirement?: Requirement,
  ): Promise<AuthContext | undefined>
  /** Answers `GET …/my-permissions` with the verified caller's packed rules. */
  myPermissions(req: IncomingMessage, res: ServerResponse): Promise<void>
}

/**
 * Creates a guard for `node:http` handlers: `const auth = await guard(req, res); if (!auth)
 * return`. Refusals (401/400/403/503) are answered with `WWW-Authenticate` and JSON. For
 * record-level checks in the handler, catch the error of `auth.assertCan()` and pass it to
 * `sendAuthError(res, error)`.
 */
export function createNodeGuard(options: AuthOptions): NodeGuard {
  const guard = async (req: IncomingMessage, res: ServerResponse, requirement?: Requirement) => {
    if (requirement !== undefined) requirePermissions(options, 'A guard requirement')
    try {
      const auth = await authenticate(toRequestLike(req), options)
      if (requirement !== undefined) {
        auth.assertCan(requirement.action, requirement.subject, requirement.field)
      }
      return auth
    } catch (error) {
      sendFailure(res, error)
      return undefined
    }
  }
  return Object.assign(guard, {
    async myPermissions(req: IncomingMessage, res: ServerResponse) {
      const permissions = requirePermissions(options, 'myPermissions')
      const auth = await guard(req, res)
      if (auth !== undefined) await sendWebResponse(res, permissions.myPermissionsHandler(auth))
    },
  })
}

function toRequestLike(req: IncomingMessage): RequestLike {
  // headersDistinct keeps repeated headers apart, so two DPoP headers are seen as two.
  return { method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headersDistinct }
}
