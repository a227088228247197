// Shared set-up for the integration tests: a real dev IdP on 127.0.0.1:0, one confidential
// client, and openid-client as the relying party.
import * as client from 'openid-client'
import {
  createIdpBrowserSession,
  signIn,
  startDevIdp,
  type ClientMetadata,
  type DevIdp,
  type DevIdpOptions,
  type IdpBrowserSession,
} from '../src/index.ts'

export const API = 'https://api.example.test'
/** An API only the `admin-console` client may ask for. */
export const ADMIN_API = 'https://admin-api.example.test'
export const CLIENT_ID = 'bff'
export const CLIENT_SECRET = 'a-long-enough-client-secret-for-tests'
// Never requested: signIn returns the callback URL without following it.
export const REDIRECT_URI = 'http://127.0.0.1:1/auth/callback'
export const POST_LOGOUT_URI = 'http://127.0.0.1:1/signed-out'
export const ALICE = { username: 'alice', password: 'wonderland' }

export interface Fixture {
  idp: DevIdp
  config: client.Configuration
  close(): Promise<void>
}

/** Starts the IdP with one API and the `bff` client (plus `extraClient` metadata, if any). */
export async function startFixture(
  options: DevIdpOptions = {},
  extraClient: Partial<ClientMetadata> = {},
): Promise<Fixture> {
  const idp = await startDevIdp({
    host: '127.0.0.1',
    port: 0,
    apis: [
      { audience: API, scopes: ['api:read', 'api:write'] },
      { audience: ADMIN_API, scopes: ['admin'], clientIds: ['admin-console'] },
    ],
    ...options,
  })
  await idp.registerClient({
    client_id: CLIENT_ID,
    client_secret: CLIENT_SECRET,
    redirect_uris: [REDIRECT_URI],
    post_logout_redirect_uris: [POST_LOGOUT_URI],
    grant_types: ['authorization_code', 'refresh_token'],
    token_endpoint_auth_method: 'client_secret_post',
    ...extraClient,
  })
  const config = await client.discovery(new URL(idp.issuer), CLIENT_ID, CLIENT_SECRET, undefined, {
    execute: [client.allowInsecureRequests],
  })
  return { idp, config, close: () => idp.close() }
}

/** Options of one authorization request. */
export interface AuthorizeOptions {
  scope?: string
  resource?: string | undefined
  credentials?: { username: string; password: string }
  session?: IdpBrowserSession
}

/** Runs code + PKCE through the login page and redeems the code. */
export async function logIn(fixture: Fixture, options: AuthorizeOptions = {}) {
  const verifier = client.randomPKCECodeVerifier()
  const state = client.randomState()
  const parameters: Record<string, string> = {
    redirect_uri: REDIRECT_URI,
    scope: options.scope ?? 'openid profile email api:read',
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
  }
  const resource = 'resource' in options ? options.resource : API
  if (resource !== undefined) parameters.resource = resource
  const url = client.buildAuthorizationUrl(fixture.config, parameters)
  const session = options.session ?? createIdpBrowserSession()
  const callback = await signIn(url.href, options.credentials ?? ALICE, session)
  const tokens = await client.authorizationCodeGrant(fixture.config, new URL(callback), {
    pkceCodeVerifier: verifier,
    expectedState: state,
  })
  return { tokens, session, callback }
}

/** Decodes a JWT without verifying it (verification is tested where it matters). */
export function decodeJwt(token: string): {
  header: Record<string, unknown>
  payload: Record<string, unknown>
} {
  const [header = '', payload = ''] = token.split('.')
  const decode = (part: string) => JSON.parse(Buffer.from(part, 'base64url').toString('utf8'))
  return { header: decode(header), payload: decode(payload) }
}

/** The OAuth error code of a failed openid-client call, e.g. `invalid_grant`. */
export async function oauthError(promise: Promise<unknown>): Promise<string> {
  try {
    await promise
  } catch (error) {
    if (error instanceof client.ResponseBodyError) return error.error
    throw error
  }
  throw new Error('expected the call to fail')
}
