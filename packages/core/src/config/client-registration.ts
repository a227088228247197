import type { CoatcheckConfig } from './parse-config.ts'

/** OpenID Connect client metadata, as registered at an identity provider. */
export interface ClientRegistration {
  client_id: string
  client_secret: string
  redirect_uris: string[]
  post_logout_redirect_uris: string[]
  grant_types: string[]
  response_types: string[]
  token_endpoint_auth_method: string
  [property: string]: unknown
}

/**
 * What to register at the identity provider for this configuration: the exact redirect URIs
 * Coatcheck will send (L-11, O-03), code flow only (L-17), refresh tokens, and the
 * back-channel logout endpoint with `sid` required, so logout tokens name the OP session
 * (O-10).
 *
 * @see https://openid.net/specs/openid-connect-registration-1_0.html#ClientMetadata
 * @see https://openid.net/specs/openid-connect-backchannel-1_0.html#BCRegistration
 */
export function buildClientRegistration(config: CoatcheckConfig): ClientRegistration {
  return {
    client_id: config.idp.clientId,
    client_secret: config.idp.clientSecret,
    redirect_uris: [config.redirectUri],
    post_logout_redirect_uris: [config.postLogoutRedirectUri],
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    token_endpoint_auth_method: config.idp.clientAuthMethod,
    backchannel_logout_uri: `${config.publicUrl}${config.basePath}/backchannel-logout`,
    backchannel_logout_session_required: true,
  }
}
