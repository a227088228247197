// oidc-provider ships no types; consumers type-check this source too, so pull the local
// declarations in explicitly instead of relying on the package's tsconfig `include`.
// eslint-disable-next-line @typescript-eslint/triple-slash-reference
/// <reference path="./internal/oidc-provider.d.ts" />
import Provider, { errors, type Client, type KoaContext } from 'oidc-provider'
import { listenLateBound } from './internal/http-server.ts'
import { createInteractionRoutes } from './internal/interactions.ts'
import { createIssuanceLog, type GrantRecord } from './internal/issuance-log.ts'
import { recordForSweep } from './internal/sweep-file.ts'
import { generateCookieKeys, generateSigningJwks } from './internal/keys.ts'
import { MemoryStore } from './internal/memory-store.ts'
import { createProviderConfiguration } from './internal/provider-configuration.ts'
import { securityHeaders } from './internal/security-headers.ts'
import { resolveOptions, type ClientMetadata, type DevIdpOptions } from './options.ts'
import { loadUsers } from './users.ts'

/** A running dev IdP. */
export interface DevIdp {
  /** Issuer identifier, no trailing slash, e.g. `http://127.0.0.1:41234`. */
  readonly issuer: string
  /** Registers (or replaces) a client at run time; throws a TypeError on invalid metadata. */
  registerClient(metadata: ClientMetadata): Promise<void>
  /** Every grant the token endpoint completed, for assertions: e.g. count refresh grants. */
  readonly grants: ReadonlyArray<GrantRecord>
  /**
   * Every token value the IdP issued (access, refresh, ID and logout tokens), so tests can
   * sweep the browser for leaks.
   */
  issuedTokens(): string[]
  /**
   * Revokes every grant of a user and the tokens issued under them, like an administrator
   * would; refreshes then fail with invalid_grant. Already issued JWT access tokens stay
   * valid until they expire (they are self-contained). The IdP login session stays.
   */
  revokeGrants(sub: string): Promise<void>
  /** Escape hatch: the oidc-provider instance. */
  readonly provider: unknown
  /** Stops listening and drops open connections. Safe to call twice. */
  close(): Promise<void>
}

/**
 * Starts a development OpenID Provider on `host:port` (default 127.0.0.1, any free port),
 * preset to best practice: PKCE always, refresh-token rotation with reuse detection, JWT
 * access tokens for registered APIs, back-channel logout, revocation and introspection.
 *
 * Refuses to start when `NODE_ENV=production` unless `allowProduction` is set (D-27).
 * @see https://openid.net/specs/openid-connect-core-1_0.html
 */
export async function startDevIdp(options: DevIdpOptions = {}): Promise<DevIdp> {
  const resolved = resolveOptions(options)
  const users = await loadUsers(resolved.users)
  const server = await listenLateBound(resolved.host, resolved.port)
  try {
    const issuer = resolved.issuer ?? `http://${server.issuerHost}:${server.port}`
    const store = new MemoryStore()
    const configuration = createProviderConfiguration({
      options: resolved,
      users,
      store,
      jwks: generateSigningJwks(),
      cookieKeys: generateCookieKeys(),
    })
    const provider = new Provider(issuer, configuration)
    // An https issuer means a TLS-terminating proxy in front: trust its X-Forwarded-* (D-28).
    provider.proxy = issuer.startsWith('https:')
    provider.use(securityHeaders)
    provider.use(createInteractionRoutes(provider, users))
    reportProblems(provider)
    const log = createIssuanceLog(provider)

    const registerClient = async (metadata: ClientMetadata): Promise<void> => {
      await validateClient(provider, metadata)
      store.put('Client', metadata.client_id, metadata)
      if (metadata.client_secret) recordForSweep('client_secret', metadata.client_secret)
    }
    for (const client of resolved.clients) await registerClient(client)

    server.setHandler(provider.callback())
    return {
      issuer,
      registerClient,
      grants: log.grants,
      issuedTokens: log.issuedTokens,
      revokeGrants: async (sub) => {
        store.revokeAccount(sub)
      },
      provider,
      close: () => server.close(),
    }
  } catch (error) {
    await server.close()
    throw error
  }
}

async function validateClient(provider: Provider, metadata: ClientMetadata): Promise<void> {
  if (typeof metadata?.client_id !== 'string' || metadata.client_id.length === 0) {
    throw new TypeError('registerClient: `client_id` must be a non-empty string')
  }
  try {
    await provider.Client.validate(metadata)
  } catch (error) {
    if (!(error instanceof errors.OIDCProviderError)) throw error
    throw new TypeError(
      `registerClient: invalid metadata for client "${metadata.client_id}": ${error.error_description ?? error.error}`,
      { cause: error },
    )
  }
}

// Failures that would otherwise vanish: a provider bug, or a client's back-channel logout
// endpoint refusing the logout token. Error messages here carry no token values.
function reportProblems(provider: Provider): void {
  provider.on('server_error', (_ctx: KoaContext, error: Error) => {
    console.error('dev IdP: internal error', error)
  })
  provider.on('backchannel.error', (_ctx: KoaContext, error: Error, client: Client) => {
    console.warn(`dev IdP: back-channel logout to ${client.clientId} failed: ${error.message}`)
  })
}
