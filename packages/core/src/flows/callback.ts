import * as client from 'openid-client'
import type { CookieJar } from '../http/cookies.ts'
import { CoatcheckError } from '../errors/coatcheck-error.ts'
import { randomId } from '../crypto/random-id.ts'
import { primaryResource } from '../config/primary-resource.ts'
import type { Session, TokenSet } from '../session/session.ts'
import { summarizeUserAgent } from '../session/user-agent.ts'
import { accessTokenExpiry } from '../tokens/token-expiry.ts'
import { LOGIN_TRANSACTION_TTL_SECONDS, type LoginTransaction } from './login-transaction.ts'
import { noStoreHeaders, redirect, type FlowContext } from './flow-context.ts'

/**
 * `GET /callback`: the IdP's redirect back. Reads as: load this browser's login transaction
 * → mark it used → exchange the code with every check → create a new session → replace any
 * previous session → redirect to `returnTo`. The transaction cookie is expired on every
 * outcome, success or failure (L-06): the router applies the jar to error responses too.
 */
export async function completeLogin(
  request: Request,
  context: FlowContext,
  jar: CookieJar,
): Promise<Response> {
  const transaction = await loadTransaction(request, jar, context)
  const tokens = await exchangeCode(request, transaction, context)
  const session = createSession(tokens, transaction, request, context)
  await replaceSession(session, jar, context)
  return redirect(transaction.returnTo, noStoreHeaders())
}

async function loadTransaction(
  request: Request,
  jar: CookieJar,
  context: FlowContext,
): Promise<LoginTransaction> {
  const state = new URL(request.url).searchParams.get('state')
  // A callback whose state this browser never issued is login CSRF or a replay (L-05).
  const transaction = state ? await context.loginTransactions.take(state, jar) : undefined
  if (!transaction) throw new CoatcheckError('login_state_invalid')
  // Single use across requests too: a copied cookie cannot complete the same login twice (L-06).
  const first = await context.sessions.seenOnce(
    `login:${transaction.state}`,
    LOGIN_TRANSACTION_TTL_SECONDS,
  )
  if (!first) throw new CoatcheckError('login_state_invalid')
  return transaction
}

async function exchangeCode(request: Request, transaction: LoginTransaction, context: FlowContext) {
  const discovered = await context.idp.configuration()
  // The code must be redeemed at the token endpoint of the issuer the login started with (L-10).
  if (discovered.serverMetadata().issuer !== transaction.issuer) {
    throw new CoatcheckError('login_failed', {
      message: 'The identity provider changed during login.',
    })
  }
  // Rebuild the URL from configuration, never from Host / X-Forwarded-* (L-11).
  const currentUrl = new URL(context.config.redirectUri)
  currentUrl.search = new URL(request.url).search
  const resource = primaryResource(context.config)
  try {
    // openid-client checks iss (RFC 9207, L-09), state (L-05), PKCE (L-03), nonce (L-08)
    // and the ID token's signature, iss, aud, azp, exp and iat (L-13).
    return await client.authorizationCodeGrant(
      discovered,
      currentUrl,
      {
        pkceCodeVerifier: transaction.codeVerifier,
        expectedState: transaction.state,
        expectedNonce: transaction.nonce,
        idTokenExpected: true,
      },
      resource === undefined ? undefined : { resource },
    )
  } catch (cause) {
    throw toLoginError(cause)
  }
}

function toLoginError(cause: unknown): CoatcheckError {
  if (cause instanceof client.AuthorizationResponseError) {
    // An error response may come from another IdP (mix-up, L-09): show its code, trust nothing else.
    return cause.error === 'access_denied'
      ? new CoatcheckError('login_cancelled', { cause })
      : new CoatcheckError('login_failed', { cause })
  }
  if (cause instanceof client.ResponseBodyError || cause instanceof client.ClientError) {
    return new CoatcheckError('login_failed', { cause })
  }
  return new CoatcheckError('idp_unavailable', { cause })
}

function createSession(
  tokens: client.TokenEndpointResponse & client.TokenEndpointResponseHelpers,
  transaction: LoginTransaction,
  request: Request,
  context: FlowContext,
): Session {
  const claims = tokens.claims()
  if (!claims) throw new CoatcheckError('login_failed', { message: 'The IdP sent no ID token.' })
  const now = context.now()
  const expiresAt = accessTokenExpiry(tokens, now)
  const tokenSet: TokenSet = {
    accessToken: tokens.access_token,
    tokenType: tokens.token_type,
    ...(expiresAt === undefined ? {} : { accessTokenExpiresAt: expiresAt }),
    ...(tokens.refresh_token === undefined ? {} : { refreshToken: tokens.refresh_token }),
    ...(tokens.id_token === undefined ? {} : { idToken: tokens.id_token }),
    ...(tokens.scope === undefined ? {} : { scope: tokens.scope }),
  }
  return {
    // A fresh random id on every login: never the transaction's, never one the browser sent (L-19).
    id: randomId(),
    issuer: transaction.issuer,
    sub: claims.sub,
    ...(typeof claims.sid === 'string' ? { sid: claims.sid } : {}),
    claims: { ...claims },
    tokens: tokenSet,
    version: 1,
    createdAt: now,
    lastSeenAt: now,
    expiresAt: now + context.config.session.absoluteTimeoutSeconds * 1000,
    userAgent: summarizeUserAgent(request.headers.get('user-agent')),
  }
}

/** Ends whatever session the browser already had, so an attacker-planted one cannot survive login (L-19). */
async function replaceSession(session: Session, jar: CookieJar, context: FlowContext) {
  const previous = await context.sessions.load(jar)
  if (previous) await context.sessions.destroy(previous.session, jar)
  await context.sessions.save(session, jar)
}
