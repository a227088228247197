import * as client from 'openid-client'
import type { CookieJar } from '../http/cookies.ts'
import { resolveReturnUrl } from '../http/return-url.ts'
import { CoatcheckError } from '../errors/coatcheck-error.ts'
import { shouldUsePar } from '../oidc/identity-provider.ts'
import { noStoreHeaders, redirect, type FlowContext } from './flow-context.ts'

/** The only query parameters `/login` accepts; anything else could steer the authorization request (L-16). */
const ALLOWED_PARAMETERS = new Set(['returnTo', 'prompt', 'login_hint'])

/** `prompt=none` is a silent login that cannot work under third-party-cookie blocking (L-20). */
const ALLOWED_PROMPTS = new Set(['login', 'consent', 'select_account', 'create'])

/**
 * `GET /login`: starts code + PKCE as a confidential client. Reads as: check navigation →
 * read allowed parameters → create transaction → build authorization URL (PAR when
 * offered) → remember transaction in a cookie → redirect to the IdP.
 *
 * @see https://www.rfc-editor.org/rfc/rfc9700#section-2.1.1
 */
export async function startLogin(
  request: Request,
  context: FlowContext,
  jar: CookieJar,
): Promise<Response> {
  context.guard.checkNavigation(request)
  const { returnTo, prompt, loginHint } = readLoginParameters(request, context)
  const discovered = await context.idp.configuration()

  const transaction = {
    state: client.randomState(),
    codeVerifier: client.randomPKCECodeVerifier(),
    nonce: client.randomNonce(),
    issuer: discovered.serverMetadata().issuer,
    returnTo,
    createdAt: context.now(),
  }
  const authorizationUrl = await buildAuthorizationUrl(context, discovered, transaction, {
    prompt,
    loginHint,
  })

  await context.loginTransactions.save(transaction, jar)
  return redirect(authorizationUrl.href, noStoreHeaders(), 302)
}

function readLoginParameters(request: Request, context: FlowContext) {
  const params = new URL(request.url).searchParams
  for (const name of new Set(params.keys())) {
    if (!ALLOWED_PARAMETERS.has(name) || params.getAll(name).length > 1) {
      throw new CoatcheckError('login_parameter_not_allowed', {
        message: `The login parameter \`${name.slice(0, 40)}\` is not allowed or repeated; only returnTo, prompt and login_hint are.`,
      })
    }
  }
  const prompt = params.get('prompt') ?? undefined
  if (prompt !== undefined && !ALLOWED_PROMPTS.has(prompt)) {
    throw new CoatcheckError('login_parameter_not_allowed', {
      message: 'prompt must be one of login, consent, select_account, create.',
    })
  }
  const loginHint = params.get('login_hint') ?? undefined
  // eslint-disable-next-line no-control-regex
  if (loginHint !== undefined && (loginHint.length > 256 || /[\x00-\x1f\x7f]/.test(loginHint))) {
    throw new CoatcheckError('login_parameter_not_allowed', {
      message: 'login_hint must be at most 256 printable characters.',
    })
  }
  const returnTo = resolveReturnUrl(params.get('returnTo'), {
    defaultUrl: context.config.spa.url,
    allowedOrigins: context.config.allowedOrigins,
  })
  return { returnTo, prompt, loginHint }
}

async function buildAuthorizationUrl(
  context: FlowContext,
  discovered: client.Configuration,
  transaction: { state: string; codeVerifier: string; nonce: string },
  extra: { prompt: string | undefined; loginHint: string | undefined },
): Promise<URL> {
  const parameters = new URLSearchParams({
    response_type: 'code',
    redirect_uri: context.config.redirectUri,
    scope: context.config.loginScopes.join(' '),
    // S256 always, even though we are a confidential client (L-03); `plain` never.
    code_challenge: await client.calculatePKCECodeChallenge(transaction.codeVerifier),
    code_challenge_method: 'S256',
    // state is kept even though PKCE also stops CSRF (L-07), nonce binds the ID token (L-08).
    state: transaction.state,
    nonce: transaction.nonce,
  })
  // Every audience the routes need is granted at login; each route later gets a token for
  // its own audience only (RFC 8707, P-08).
  for (const resource of context.config.loginResources) parameters.append('resource', resource)
  if (extra.prompt !== undefined) parameters.set('prompt', extra.prompt)
  if (extra.loginHint !== undefined) parameters.set('login_hint', extra.loginHint)

  if (!shouldUsePar(context.config, discovered)) {
    return client.buildAuthorizationUrl(discovered, parameters)
  }
  try {
    return await client.buildAuthorizationUrlWithPAR(discovered, parameters)
  } catch (cause) {
    throw new CoatcheckError('idp_unavailable', {
      message: 'The identity provider refused the pushed authorization request.',
      cause,
    })
  }
}
