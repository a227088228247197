import { CoatcheckError } from '../errors/coatcheck-error.ts'
import type { SessionFilter } from '../session/session-store.ts'
import { announceSessionsEnded } from './ended-sessions.ts'
import { json, noStoreHeaders, type FlowContext } from './flow-context.ts'
import { LogoutTokenError, type LogoutTokenClaims } from './logout-token.ts'
import { readSmallBody } from './read-body.ts'

/** Largest body read: a logout token is a few hundred bytes to a few KB. */
const MAX_BODY_BYTES = 16 * 1024

/** The replay-cache entry outlives the token by this much, covering the verifier's skew. */
const REPLAY_MARGIN_SECONDS = 120

/**
 * `POST /backchannel-logout`: the identity provider, server to server, says a user's OP
 * session ended. Reads as: read the form → verify the logout token → refuse a replayed `jti`
 * → end the sessions of that `sid` (or all of that `sub`) → tell their open tabs → 200.
 * No cookie, no CSRF header: nothing here comes from a browser, and the signed token is
 * the only credential (O-11). Any invalid token gets 400 and ends nothing (O-17).
 *
 * @see https://openid.net/specs/openid-connect-backchannel-1_0.html#BCRequest
 */
export async function receiveBackchannelLogout(
  request: Request,
  context: FlowContext,
): Promise<Response> {
  try {
    const token = await readLogoutToken(request)
    const claims = await context.verifyLogoutToken(token)
    await refuseReplay(claims, context)
    const filter = toFilter(claims)
    const ended = await context.directory.endBy(filter)
    await announceSessionsEnded(context, ended, 'backchannel_logout')
    // Cookie-store sessions have no id on record: their streams here are found by filter.
    context.eventStreams.endMatching(filter, 'backchannel_logout')
    context.onEvent({ type: 'backchannel_logout', outcome: 'ok' })
    // Already logged out counts as success too (O-16).
    return new Response(null, { status: 200, headers: noStoreHeaders() })
  } catch (error) {
    if (!(error instanceof LogoutTokenError)) throw error
    context.onEvent({ type: 'backchannel_logout', outcome: 'rejected', code: error.fault })
    // The error shape of OAuth 2.0 §5.2, as the spec asks (O-17); no detail of the token.
    const body = { error: 'invalid_request', error_description: error.message }
    return json(body, noStoreHeaders(), 400)
  }
}

async function readLogoutToken(request: Request): Promise<string> {
  const type = request.headers.get('content-type')?.split(';')[0]?.trim().toLowerCase()
  if (type !== 'application/x-www-form-urlencoded') {
    throw new LogoutTokenError('malformed', 'The body must be application/x-www-form-urlencoded.')
  }
  let text: string
  try {
    text = await readSmallBody(request, MAX_BODY_BYTES)
  } catch (cause) {
    if (!(cause instanceof CoatcheckError)) throw cause
    throw new LogoutTokenError('malformed', 'The body is too large.', { cause })
  }
  const tokens = new URLSearchParams(text).getAll('logout_token')
  // Two tokens in one request: which one would the IdP have meant? Neither.
  if (tokens.length !== 1 || !tokens[0]) {
    throw new LogoutTokenError('malformed', 'Send exactly one logout_token.')
  }
  return tokens[0]
}

/** A logout token is a bearer credential on an open endpoint: each is accepted once (O-13). */
async function refuseReplay(claims: LogoutTokenClaims, context: FlowContext): Promise<void> {
  const ttl = Math.max(1, claims.exp - Math.floor(context.now() / 1000) + REPLAY_MARGIN_SECONDS)
  const key = `logout-jti:${JSON.stringify([claims.issuer, claims.jti])}`
  if (!(await context.sessions.seenOnce(key, ttl))) {
    throw new LogoutTokenError('replayed', 'This logout token was already used.')
  }
}

/** `sid` ends that OP session only; `sub` alone ends every session of the user (O-16). */
function toFilter(claims: LogoutTokenClaims): SessionFilter {
  if (claims.sid !== undefined) return { issuer: claims.issuer, sid: claims.sid }
  return { issuer: claims.issuer, sub: claims.sub ?? '' }
}
