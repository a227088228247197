// A real dev IdP on 127.0.0.1:0 with two APIs, a BFF client and the API's own client (for
// introspection), plus openid-client logins that return real tokens.
import { createIdpBrowserSession, signIn, startDevIdp, type DevIdp } from '@coatcheck/dev-idp'
import * as client from 'openid-client'

export const API = 'https://api.example.test'
export const OTHER_API = 'https://other-api.example.test'
export const API_CLIENT = { id: 'articles-api', secret: 'articles-api-secret-for-tests-only' }
const BFF = { id: 'bff', secret: 'a-long-enough-client-secret-for-tests' }
// Never requested: signIn returns the callback URL without following it.
const REDIRECT_URI = 'http://127.0.0.1:1/auth/callback'

export const USERS = {
  alice: { username: 'alice', password: 'wonderland', sub: '6f1b7c2e-4a5d-4c1e-9a8b-2d3e4f5a6b7c' },
  bob: { username: 'bob', password: 'builder', sub: '0c9d8e7f-6a5b-4c3d-8e2f-1a0b9c8d7e6f' },
  carol: { username: 'carol', password: 'marvel', sub: '3a4b5c6d-7e8f-4a9b-8c0d-1e2f3a4b5c6d' },
} as const

export type UserName = keyof typeof USERS

/** What one login returns. */
export interface LoginTokens {
  accessToken: string
  idToken: string
}

/** A running IdP and a way to log users in. */
export interface IdpFixture {
  idp: DevIdp
  issuer: string
  /** Logs a user in; `resource: undefined` gets an opaque (userinfo) token. */
  logIn(
    user: UserName,
    options?: { resource?: string | undefined; dpop?: CryptoKeyPair },
  ): Promise<LoginTokens>
  /**
   * Has the IdP issue an opaque access token for an API, through its own oidc-provider
   * models: the dev IdP issues JWTs for every registered API, and introspection tests need
   * an opaque one that names its audience.
   */
  mintOpaqueToken(options: { user: UserName; audience?: string; jkt?: string }): Promise<string>
  /** Revokes an opaque token at the IdP, as an administrator would. */
  revokeOpaqueToken(token: string): Promise<void>
  close(): Promise<void>
}

// The slice of oidc-provider's AccessToken model the tests use.
interface AccessTokenModel {
  save(): Promise<string>
  destroy(): Promise<void>
}
interface ProviderModels {
  AccessToken: (new (properties: Record<string, unknown>) => AccessTokenModel) & {
    find(value: string): Promise<AccessTokenModel | undefined>
  }
}

/** Starts the IdP and registers its clients. */
export async function startIdp(): Promise<IdpFixture> {
  const idp = await startDevIdp({
    host: '127.0.0.1',
    port: 0,
    apis: [
      { audience: API, scopes: ['articles:read', 'articles:write'] },
      { audience: OTHER_API, scopes: ['other'] },
    ],
  })
  try {
    return await registerClients(idp)
  } catch (error) {
    await idp.close()
    throw error
  }
}

async function registerClients(idp: DevIdp): Promise<IdpFixture> {
  await idp.registerClient({
    client_id: BFF.id,
    client_secret: BFF.secret,
    redirect_uris: [REDIRECT_URI],
    grant_types: ['authorization_code'],
    token_endpoint_auth_method: 'client_secret_post',
  })
  // The API as a confidential client: RFC 7662 §2.1, it must authenticate to introspect.
  await idp.registerClient({
    client_id: API_CLIENT.id,
    client_secret: API_CLIENT.secret,
    redirect_uris: [],
    response_types: [],
    grant_types: [],
    token_endpoint_auth_method: 'client_secret_basic',
  })
  const config = await client.discovery(new URL(idp.issuer), BFF.id, BFF.secret, undefined, {
    execute: [client.allowInsecureRequests],
  })
  return {
    idp,
    issuer: idp.issuer,
    logIn: (user, options = {}) => logIn(config, user, options),
    mintOpaqueToken: ({ user, audience = API, jkt }) => {
      const { AccessToken } = idp.provider as ProviderModels
      const token = new AccessToken({
        accountId: USERS[user].sub,
        clientId: BFF.id,
        aud: audience,
        scope: 'articles:read',
        ...(jkt === undefined ? {} : { jkt }),
      })
      return token.save()
    },
    revokeOpaqueToken: async (value) => {
      const { AccessToken } = idp.provider as ProviderModels
      await (await AccessToken.find(value))?.destroy()
    },
    close: () => idp.close(),
  }
}

async function logIn(
  config: client.Configuration,
  user: UserName,
  options: { resource?: string | undefined; dpop?: CryptoKeyPair },
): Promise<LoginTokens> {
  const verifier = client.randomPKCECodeVerifier()
  const state = client.randomState()
  const parameters: Record<string, string> = {
    redirect_uri: REDIRECT_URI,
    scope: 'openid profile articles:read',
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
  }
  const resource = 'resource' in options ? options.resource : API
  if (resource !== undefined) parameters.resource = resource
  if (resource === OTHER_API) parameters.scope = 'openid profile other'
  const url = client.buildAuthorizationUrl(config, parameters)
  const { username, password } = USERS[user]
  const callback = await signIn(url.href, { username, password }, createIdpBrowserSession())
  const tokens = await client.authorizationCodeGrant(
    config,
    new URL(callback),
    { pkceCodeVerifier: verifier, expectedState: state },
    undefined,
    options.dpop === undefined ? {} : { DPoP: client.getDPoPHandle(config, options.dpop) },
  )
  return { accessToken: tokens.access_token, idToken: tokens.id_token ?? '' }
}
