import { CoatcheckError } from '../errors/coatcheck-error.ts'
import { jsonError } from '../errors/error-response.ts'
import { timingSafeEqual } from '../crypto/timing-safe-equal.ts'
import { sessionHandle } from '../session/session-handle.ts'
import { sessionEndsAt } from './active-session.ts'
import { announceSessionsEnded } from './ended-sessions.ts'
import { json, type FlowContext } from './flow-context.ts'

/** Longest `sub` accepted; identity providers use far shorter ones. */
const MAX_SUB_LENGTH = 255

/**
 * `GET /operator/sessions?sub=…`: a user's live sessions, for support and incident
 * response. Server to server with the configured bearer credential; 404 when the operator
 * API is off, as if it did not exist.
 */
export async function listUserSessions(request: Request, context: FlowContext) {
  const operator = await authorizeOperator(request, context)
  if (operator instanceof Response) return operator
  const { issuer, sub } = operator
  const now = context.now()
  const sessions = (await context.directory.listBy(issuer, sub)).filter(
    (session) => sessionEndsAt(session, context) > now,
  )
  const summaries = await Promise.all(
    sessions.map(async (session) => ({
      id: await sessionHandle(session),
      createdAt: session.createdAt,
      lastSeenAt: session.lastSeenAt,
      expiresAt: sessionEndsAt(session, context),
      userAgent: session.userAgent ?? 'Unknown browser',
    })),
  )
  return json({ sessions: summaries })
}

/**
 * `DELETE /operator/sessions?sub=…`: ends every session of a user on every instance (a
 * compromised account, a leaver). With the cookie store the user goes on the denylist.
 */
export async function endUserSessions(request: Request, context: FlowContext) {
  const operator = await authorizeOperator(request, context)
  if (operator instanceof Response) return operator
  const { issuer, sub } = operator
  const ended = await context.directory.endBy({ issuer, sub })
  await announceSessionsEnded(context, ended, 'ended_by_operator')
  context.eventStreams.endMatching({ issuer, sub }, 'ended_by_operator')
  return json({ ended: ended.length })
}

/** The user the operator names, or the 401 challenge for a missing or wrong credential. */
async function authorizeOperator(
  request: Request,
  context: FlowContext,
): Promise<{ issuer: string; sub: string } | Response> {
  const expected = context.config.operator.token
  if (expected === undefined) throw new CoatcheckError('not_found')
  const header = request.headers.get('authorization') ?? ''
  const presented = /^Bearer ([\x21-\x7e]+)$/i.exec(header)?.[1] ?? ''
  // Constant time: response timing must not reveal how much of a guessed credential matched.
  if (!timingSafeEqual(presented, expected)) {
    const response = jsonError('unauthenticated', 401, 'A valid operator credential is required.')
    // RFC 6750 §3: a 401 names the scheme the client must use.
    response.headers.set('www-authenticate', 'Bearer realm="coatcheck-operator"')
    return response
  }
  const sub = new URL(request.url).searchParams.get('sub')
  if (!sub || sub.length > MAX_SUB_LENGTH) {
    throw new CoatcheckError('bad_request', { message: 'Name the user with `?sub=`.' })
  }
  const issuer = (await context.idp.configuration()).serverMetadata().issuer
  return { issuer, sub }
}
