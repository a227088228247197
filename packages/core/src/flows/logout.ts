import * as client from 'openid-client'
import type { CookieJar } from '../http/cookies.ts'
import { resolveReturnUrl } from '../http/return-url.ts'
import { CoatcheckError } from '../errors/coatcheck-error.ts'
import type { Session } from '../session/session.ts'
import { json, noStoreHeaders, redirect, type FlowContext } from './flow-context.ts'
import { announceSessionsEnded } from './ended-sessions.ts'
import { readSmallBody } from './read-body.ts'

/** Largest logout request body read; it only ever carries `{ "returnTo": ... }`. */
const MAX_BODY_BYTES = 4096

/**
 * `POST /logout` (fetch, with the anti-CSRF header: a cross-site page cannot log the user
 * out, X-09). Reads as: check request → read `returnTo` → end the session and clear its
 * cookies → revoke the refresh token → answer the IdP end-session URL to navigate to
 * (O-02, O-03).
 */
export async function logout(request: Request, context: FlowContext, jar: CookieJar) {
  context.guard.checkApiRequest(request)
  const returnTo = resolveReturnUrl(await readReturnTo(request), {
    defaultUrl: context.config.spa.url,
    allowedOrigins: context.config.allowedOrigins,
  })
  // Any session the cookie names is ended, even one past its idle timeout: its refresh
  // token is still worth revoking.
  const session = (await context.sessions.load(jar))?.session
  await context.sessions.destroy(session, jar)
  if (session) {
    await announceSessionsEnded(context, [session.id], 'logout')
    await revokeRefreshToken(session, context)
  }
  return json({ logoutUrl: await buildLogoutUrl(session, returnTo, context, jar) })
}

/**
 * `GET /logout/callback`: the IdP's post-logout redirect. The state must be the one this
 * browser's logout created; otherwise nothing from the request is used (O-05).
 */
export async function completeLogout(request: Request, context: FlowContext, jar: CookieJar) {
  const state = new URL(request.url).searchParams.get('state')
  const transaction = state ? await context.logoutTransactions.take(state, jar) : undefined
  if (!transaction) throw new CoatcheckError('logout_state_invalid')
  return redirect(transaction.returnTo, noStoreHeaders())
}

async function readReturnTo(request: Request): Promise<string | undefined> {
  const text = await readSmallBody(request, MAX_BODY_BYTES)
  if (text.trim() === '') return undefined
  if (!request.headers.get('content-type')?.toLowerCase().startsWith('application/json')) {
    throw new CoatcheckError('bad_request', { message: 'The logout body must be JSON.' })
  }
  let body: unknown
  try {
    body = JSON.parse(text)
  } catch {
    throw new CoatcheckError('bad_request', { message: 'The logout body is not valid JSON.' })
  }
  if (typeof body !== 'object' || body === null) {
    throw new CoatcheckError('bad_request', { message: 'The logout body must be a JSON object.' })
  }
  const { returnTo } = body as { returnTo?: unknown }
  if (returnTo !== undefined && typeof returnTo !== 'string') {
    throw new CoatcheckError('invalid_return_to')
  }
  return returnTo
}

/** Best effort: logout must succeed for the user even when the IdP is down (O-02). */
async function revokeRefreshToken(session: Session, context: FlowContext) {
  const { refreshToken } = session.tokens
  if (!refreshToken || !context.config.logout.revokeRefreshToken) return
  try {
    const discovered = await context.idp.configuration()
    if (!discovered.serverMetadata().revocation_endpoint) return
    await client.tokenRevocation(discovered, refreshToken, { token_type_hint: 'refresh_token' })
  } catch {
    // The session is already gone here; the IdP expires the token by itself.
  }
}

async function buildLogoutUrl(
  session: Session | undefined,
  returnTo: string,
  context: FlowContext,
  jar: CookieJar,
): Promise<string> {
  let discovered: client.Configuration
  try {
    discovered = await context.idp.configuration()
  } catch {
    return returnTo
  }
  if (!discovered.serverMetadata().end_session_endpoint) return returnTo
  const state = client.randomState()
  await context.logoutTransactions.save({ state, returnTo, createdAt: context.now() }, jar)
  const parameters: Record<string, string> = {
    post_logout_redirect_uri: context.config.postLogoutRedirectUri,
    state,
  }
  const idToken = session?.tokens.idToken
  // Without id_token_hint the IdP cannot tell who asks and must not redirect back
  // unchecked (O-04); openid-client adds client_id either way.
  if (idToken && context.config.logout.idTokenHint) parameters.id_token_hint = idToken
  return client.buildEndSessionUrl(discovered, parameters).href
}
