import type { CookieJar } from '../http/cookies.ts'
import { requireActiveSession } from './active-session.ts'
import type { FlowContext } from './flow-context.ts'

/**
 * `GET /events`: the session's server-sent events (see `createEventStreams`). A fetch with
 * the anti-CSRF header like every SPA endpoint (the SDK reads it with `fetch`, not
 * `EventSource`); no session → 401 JSON, which tells the SDK to stop.
 */
export async function streamSessionEvents(
  request: Request,
  context: FlowContext,
  jar: CookieJar,
): Promise<Response> {
  const session = await requireActiveSession(request, jar, context)
  return context.eventStreams.open(session, context, request.signal)
}
