import {
  CoatcheckError,
  toErrorResponse,
  type Coatcheck,
  type PreparedProxy,
  type RequestHead,
} from '@coatcheck/core'
import { mergeVary } from './proxy-headers.ts'

/**
 * Coatcheck's own answer when the refresh behind a retry failed (the session may be over):
 * the error as JSON, with `Vary`, the session cookie and the CORS grant. 5xx ones are
 * passed to `onError`.
 */
export function refusalAnswer(
  error: unknown,
  head: RequestHead,
  prepared: PreparedProxy,
  onError: (error: unknown) => void,
): Response {
  const response = toErrorResponse(error, head)
  if (response.status >= 500) onError(error)
  response.headers.set('vary', mergeVary([response.headers.get('vary') ?? '']))
  return withPreparedHeaders(response, prepared)
}

/** The 502/504 answer for an upstream that failed or timed out, reported to `onError`. */
export function failureAnswer(
  coatcheck: Coatcheck,
  head: RequestHead,
  prepared: PreparedProxy,
  timedOut: boolean,
  cause: unknown,
  onError: (error: unknown) => void,
): Response {
  onError(new CoatcheckError(timedOut ? 'upstream_timeout' : 'upstream_unavailable', { cause }))
  const response = coatcheck.upstreamFailure(head, prepared.plan.route, timedOut)
  return withPreparedHeaders(response, prepared)
}

/** Adds the session cookie and CORS grant of `responseHeaders()` to an answer of our own. */
function withPreparedHeaders(response: Response, prepared: PreparedProxy): Response {
  for (const [name, value] of prepared.responseHeaders()) {
    if (name === 'set-cookie') response.headers.append(name, value)
    else response.headers.set(name, value)
  }
  return response
}
