import { CoatcheckClientError } from '../coatcheck-client-error.ts'
import type { SessionUser } from '../session-state.ts'
import { isRecord, readError, readJson } from './request.ts'

/** What one `GET /auth/session` said. */
export type SessionAnswer =
  | { status: 'authenticated'; user: SessionUser; expiresAt: number; rules: unknown }
  | { status: 'anonymous' }
  | { status: 'error'; error: CoatcheckClientError }

/**
 * Asks Coatcheck who is logged in. Every outcome is a value, never a rejection: an app's
 * `refresh()` should not need a try/catch to learn that the network is down.
 */
export async function readSession(
  send: (request: Request) => Promise<Response>,
  request: Request,
): Promise<SessionAnswer> {
  let response: Response
  try {
    response = await send(request)
  } catch (cause) {
    const error = new CoatcheckClientError(
      'network_error',
      'Coatcheck could not be reached',
      undefined,
      cause,
    )
    return { status: 'error', error }
  }
  if (response.status === 401) return { status: 'anonymous' }
  if (!response.ok) return { status: 'error', error: await readError(response) }
  const body = await readJson(response)
  if (
    !isRecord(body) ||
    body.authenticated !== true ||
    !isRecord(body.user) ||
    typeof body.expiresAt !== 'number'
  ) {
    const error = new CoatcheckClientError(
      'unexpected_response',
      'GET /auth/session answered a body that is not a session',
      response.status,
    )
    return { status: 'error', error }
  }
  const permissions = isRecord(body.permissions) ? body.permissions : undefined
  return {
    status: 'authenticated',
    user: body.user as SessionUser,
    expiresAt: body.expiresAt,
    rules: permissions?.rules,
  }
}
