import type { Client, Configuration, Jwk, KoaContext, TokenModel } from 'oidc-provider'
import type { ResolvedOptions } from '../options.ts'
import type { UserDirectory } from '../users.ts'
import type { MemoryStore } from './memory-store.ts'
import { renderErrorPage, renderLoggedOutPage, renderLogoutPage } from './pages.ts'
import { createResourceIndicators } from './resource-servers.ts'

/** Everything the oidc-provider configuration is built from. */
export interface ProviderConfigurationInput {
  options: ResolvedOptions
  users: UserDirectory
  store: MemoryStore
  jwks: { keys: Jwk[] }
  cookieKeys: string[]
}

/**
 * The oidc-provider configuration, preset to what Coatcheck must be tested against
 * (REQUIREMENTS §9b). Each setting names the requirement it implements.
 */
export function createProviderConfiguration(input: ProviderConfigurationInput): Configuration {
  const { options, users, store, jwks, cookieKeys } = input
  const { ttl } = options
  return {
    adapter: store.adapterFactory,
    jwks,
    // Prefixed names: the IdP and the app under test share the cookie jar of `localhost`.
    cookies: {
      keys: cookieKeys,
      names: { session: 'dev_idp_session', interaction: 'dev_idp_ia', resume: 'dev_idp_resume' },
    },
    scopes: ['openid', 'offline_access', 'profile', 'email', 'roles'],
    claims: {
      openid: ['sub'],
      profile: ['name', 'given_name', 'family_name', 'preferred_username', 'roles'],
      email: ['email', 'email_verified'],
      roles: ['roles'],
    },
    // Put the scope's claims in the ID token itself, not only at userinfo: a BFF reads them
    // from the ID token it already validated.
    conformIdTokenClaims: false,
    // Code flow only (RFC 9700 §2.1.2), with the redirect_uri always sent and matched.
    responseTypes: ['code'],
    allowOmittingSingleRegisteredRedirectUri: false,
    pkce: { required: () => true }, // D-20: PKCE (S256) for confidential clients too
    rotateRefreshToken: true, // D-21: every refresh rotates, so reuse detection (D-01) runs
    // D-22: refresh tokens for any client allowed the grant, without offline_access; they
    // then expire with the IdP session, so an OP logout kills them.
    issueRefreshToken: async (_ctx: KoaContext, client: Client) =>
      client.grantTypeAllowed('refresh_token'),
    findAccount: async (_ctx: KoaContext, sub: string) => {
      const user = users.findBySub(sub)
      if (user === undefined) return undefined
      return { accountId: user.sub, claims: () => ({ ...user.claims, sub: user.sub }) }
    },
    // RFC 9068 §2.2.3.1: the user's roles travel in the access token for the API to check.
    extraTokenClaims: async (_ctx: KoaContext, token: TokenModel) => {
      const user = token.accountId === undefined ? undefined : users.findBySub(token.accountId)
      const roles = user?.claims.roles
      return token.kind === 'AccessToken' && roles !== undefined ? { roles } : undefined
    },
    features: {
      devInteractions: { enabled: false }, // D-27: our login page checks real passwords
      backchannelLogout: { enabled: true }, // D-23
      revocation: { enabled: true, allowedPolicy: ownTokensOnly },
      introspection: { enabled: true, allowedPolicy: introspectionPolicy },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: async (ctx: KoaContext, form: string) => {
          ctx.type = 'html'
          ctx.body = renderLogoutPage(form, ctx.host)
        },
        postLogoutSuccessSource: async (ctx: KoaContext) => {
          ctx.type = 'html'
          ctx.body = renderLoggedOutPage()
        },
      },
      pushedAuthorizationRequests: {
        enabled: true,
        requirePushedAuthorizationRequests: options.requirePushedAuthorizationRequests,
      },
      resourceIndicators: createResourceIndicators(options.apis, ttl.accessToken),
    },
    ttl: {
      AccessToken: ttl.accessToken,
      AuthorizationCode: 60,
      IdToken: ttl.idToken,
      RefreshToken: refreshTokenTtl(ttl.refreshToken),
      Session: ttl.session,
      Grant: Math.max(ttl.refreshToken, ttl.session),
      Interaction: 10 * 60,
    },
    renderError: async (ctx: KoaContext, out: { error: string; error_description?: string }) => {
      ctx.type = 'html'
      ctx.body = renderErrorPage(out.error, out.error_description)
    },
    clientBasedCORS,
    fetch: fetchWithoutSsrfGuard,
  }
}

// BBA §6.3.2.3: a rotated refresh token of a browser-held (public, unbound) client keeps the
// remaining lifetime, so rotation never extends it. Confidential clients get a fresh one.
function refreshTokenTtl(seconds: number) {
  return (ctx: KoaContext | undefined, token: TokenModel, client: Client): number => {
    const rotated = ctx?.oidc.entities.RotatedRefreshToken
    const browserHeld =
      client.applicationType === 'web' &&
      client.clientAuthMethod === 'none' &&
      token.isSenderConstrained?.() !== true
    return rotated?.remainingTTL !== undefined && browserHeld ? rotated.remainingTTL : seconds
  }
}

// RFC 7009 §2.1: a client may revoke only tokens issued to it; others are silently ignored.
async function ownTokensOnly(_ctx: KoaContext, client: Client, token: TokenModel) {
  return token.clientId === client.clientId
}

// RFC 7662 §4: a public client may introspect only its own tokens; a confidential client
// (typically an API registered as a client) may introspect any.
async function introspectionPolicy(_ctx: KoaContext, client: Client, token: TokenModel) {
  return client.clientAuthMethod !== 'none' || token.clientId === client.clientId
}

// D-26: CORS only for public clients (and userinfo), only from a redirect URI's origin,
// never from the opaque `null` origin of sandboxed frames and file: pages.
function clientBasedCORS(ctx: KoaContext, origin: string, client: Client): boolean {
  if (origin === 'null') return false
  if (ctx.oidc.route !== 'userinfo' && client.clientAuthMethod !== 'none') return false
  return client.redirectUris.some((uri) => URL.parse(uri)?.origin === origin)
}

// oidc-provider refuses outgoing requests to loopback and private addresses (SSRF guard).
// Here every client is registered by the developer and its back-channel logout endpoint
// runs on 127.0.0.1 or a private network, so the guard would only break logout.
function fetchWithoutSsrfGuard(url: string, options: RequestInit & { dispatcher?: unknown }) {
  const unguarded = { ...options }
  delete unguarded.dispatcher
  return fetch(url, unguarded)
}
