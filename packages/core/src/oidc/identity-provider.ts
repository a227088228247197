import * as client from 'openid-client'
import type { CoatcheckConfig } from '../config/parse-config.ts'
import { CoatcheckError } from '../errors/coatcheck-error.ts'

/** The configured OpenID Provider: its discovered metadata and our client registration. */
export interface IdentityProvider {
  /**
   * The openid-client configuration, discovered once and cached. A failed discovery is not
   * cached, so the next request tries again once the IdP is back.
   *
   * @throws CoatcheckError `idp_unavailable` when the metadata cannot be loaded.
   */
  configuration(): Promise<client.Configuration>
}

/**
 * Discovers the issuer's metadata through openid-client, which checks that the metadata's
 * `issuer` equals the configured one (L-12): a raw metadata URL would skip that check.
 *
 * @see https://openid.net/specs/openid-connect-discovery-1_0.html#ProviderConfigurationValidation
 */
export function createIdentityProvider(config: CoatcheckConfig): IdentityProvider {
  let pending: Promise<client.Configuration> | undefined
  const { idp } = config

  async function discover(): Promise<client.Configuration> {
    const auth =
      idp.clientAuthMethod === 'client_secret_post'
        ? client.ClientSecretPost(idp.clientSecret)
        : client.ClientSecretBasic(idp.clientSecret)
    try {
      const discovered = await client.discovery(
        new URL(idp.issuer),
        idp.clientId,
        { redirect_uris: [config.redirectUri], response_types: ['code'] },
        auth,
        {
          timeout: Math.ceil(idp.timeoutMs / 1000),
          // Plain http is only acceptable against a local development IdP.
          ...(config.environment === 'development'
            ? { execute: [client.allowInsecureRequests] }
            : {}),
        },
      )
      checkPushedAuthorizationRequests(config, discovered)
      return discovered
    } catch (cause) {
      if (cause instanceof CoatcheckError) throw cause
      throw new CoatcheckError('idp_unavailable', {
        message: `The identity provider metadata at ${idp.issuer} could not be loaded.`,
        cause,
      })
    }
  }

  return {
    configuration() {
      pending ??= discover().catch((error: unknown) => {
        pending = undefined
        throw error
      })
      return pending
    },
  }
}

/** Whether the login should push its authorization request first (RFC 9126, L-21). */
export function shouldUsePar(config: CoatcheckConfig, discovered: client.Configuration): boolean {
  const metadata = discovered.serverMetadata()
  if (metadata.require_pushed_authorization_requests === true) return true
  const mode = config.idp.pushedAuthorizationRequests
  return mode === 'always' || (mode === 'auto' && !!metadata.pushed_authorization_request_endpoint)
}

function checkPushedAuthorizationRequests(
  config: CoatcheckConfig,
  discovered: client.Configuration,
) {
  const metadata = discovered.serverMetadata()
  const mode = config.idp.pushedAuthorizationRequests
  if (mode === 'always' && !metadata.pushed_authorization_request_endpoint) {
    throw new CoatcheckError('idp_unavailable', {
      message:
        '`idp.pushedAuthorizationRequests` is `always` but the identity provider has no PAR endpoint.',
      expose: false,
    })
  }
  if (mode === 'never' && metadata.require_pushed_authorization_requests === true) {
    throw new CoatcheckError('idp_unavailable', {
      message:
        'The identity provider requires PAR but `idp.pushedAuthorizationRequests` is `never`.',
      expose: false,
    })
  }
}
