import type { ServerResponse } from 'node:http'
import { isApiAuthError, type ApiAuthError } from '../../errors/api-auth-error.ts'
import { describeAuthError } from '../../errors/auth-error-response.ts'

/** Writes the answer to an {@link ApiAuthError} on a Node response. */
export function sendAuthError(res: ServerResponse, error: ApiAuthError): void {
  const { status, headers, body } = describeAuthError(error)
  res.writeHead(status, headers).end(JSON.stringify(body))
}

/** Writes a Web `Response` (small, buffered) on a Node response. */
export async function sendWebResponse(res: ServerResponse, response: Response): Promise<void> {
  const body = Buffer.from(await response.arrayBuffer())
  res.writeHead(response.status, Object.fromEntries(response.headers)).end(body)
}

/**
 * Answers a failed guard: an ApiAuthError as such; anything else (a bug, a replay store
 * down) is logged and answered 500, closed, without crashing the process.
 */
export function sendFailure(res: ServerResponse, error: unknown): void {
  if (isApiAuthError(error)) return sendAuthError(res, error)
  console.error('@coatcheck/api: request verification failed unexpectedly', error)
  res
    .writeHead(500, { 'content-type': 'application/json', 'cache-control': 'no-store' })
    .end(JSON.stringify({ error: 'server_error', message: 'Something went wrong.' }))
}
