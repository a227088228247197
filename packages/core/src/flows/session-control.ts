import type { CookieJar } from '../http/cookies.ts'
import { CoatcheckError } from '../errors/coatcheck-error.ts'
import type { Session } from '../session/session.ts'
import { sessionHandle } from '../session/session-handle.ts'
import { requireActiveSession, sessionEndsAt } from './active-session.ts'
import { announceSessionsEnded } from './ended-sessions.ts'
import { json, noStoreHeaders, type FlowContext } from './flow-context.ts'

/** One of the user's sessions as `GET /sessions` lists it: no id, no token, no claim. */
export interface SessionSummary {
  /** Opaque handle for `DELETE /sessions/{id}`; not the session id or cookie value. */
  id: string
  /** Epoch milliseconds. */
  createdAt: number
  /** Epoch milliseconds, to the minute: the last request is written back at most that often. */
  lastSeenAt: number
  /** Browser and OS family at login, e.g. "Firefox on Linux". */
  userAgent: string
  /** The session of the browser asking. */
  current: boolean
}

/**
 * `GET /sessions`: the user's own live sessions, this one first. With the cookie store only
 * the current session is known: the others live in other browsers' cookies.
 */
export async function listOwnSessions(
  request: Request,
  context: FlowContext,
  jar: CookieJar,
): Promise<Response> {
  const session = await requireActiveSession(request, jar, context)
  const sessions = await ownSessions(session, context)
  const summaries = await Promise.all(sessions.map((s) => summarize(s, s.id === session.id)))
  return json({ sessions: summaries })
}

/**
 * `DELETE /sessions/{id}`: ends one of the user's own sessions ("sign out that device") and
 * closes its open tabs' event streams. Any handle not among the user's sessions gets 404,
 * whether it names another user's session or nothing at all.
 */
export async function endOwnSession(
  request: Request,
  context: FlowContext,
  jar: CookieJar,
): Promise<Response> {
  const session = await requireActiveSession(request, jar, context)
  const handle = new URL(request.url).pathname.split('/').pop() ?? ''
  const sessions = await ownSessions(session, context)
  const handles = await Promise.all(sessions.map((s) => sessionHandle(s)))
  const target = sessions[handles.indexOf(handle)]
  if (!target) throw new CoatcheckError('not_found', { message: 'No such session.' })
  if (target.id === session.id) await context.sessions.destroy(session, jar)
  else await context.directory.end(target.id)
  await announceSessionsEnded(context, [target.id], 'ended_by_user')
  return new Response(null, { status: 204, headers: noStoreHeaders() })
}

/** The current session, then the user's other sessions that have not timed out. */
async function ownSessions(session: Session, context: FlowContext): Promise<Session[]> {
  const now = context.now()
  const others = (await context.directory.listBy(session.issuer, session.sub)).filter(
    (other) => other.id !== session.id && sessionEndsAt(other, context) > now,
  )
  others.sort((a, b) => b.lastSeenAt - a.lastSeenAt)
  return [session, ...others]
}

async function summarize(session: Session, current: boolean): Promise<SessionSummary> {
  return {
    id: await sessionHandle(session),
    createdAt: session.createdAt,
    lastSeenAt: session.lastSeenAt,
    userAgent: session.userAgent ?? 'Unknown browser',
    current,
  }
}
