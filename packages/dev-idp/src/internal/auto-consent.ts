import type { Interaction, Provider } from 'oidc-provider'

/**
 * Grants everything the consent prompt found missing: the requested OIDC scopes and claims
 * and each resource server's requested scopes. Every client of the dev IdP is registered by
 * the developer, so asking the user would only slow tests down. Returns the grant id.
 */
export async function grantRequestedConsent(
  provider: Provider,
  interaction: Interaction,
): Promise<string> {
  const accountId = interaction.session?.accountId
  const clientId = interaction.params.client_id
  if (accountId === undefined || typeof clientId !== 'string') {
    throw new TypeError('consent prompt without a signed-in user or a client')
  }
  const existing =
    interaction.grantId === undefined ? undefined : await provider.Grant.find(interaction.grantId)
  const grant = existing ?? new provider.Grant({ accountId, clientId })
  const { missingOIDCScope, missingOIDCClaims, missingResourceScopes } = interaction.prompt.details
  if (missingOIDCScope !== undefined) grant.addOIDCScope(missingOIDCScope.join(' '))
  if (missingOIDCClaims !== undefined) grant.addOIDCClaims(missingOIDCClaims)
  for (const [resource, scopes] of Object.entries(missingResourceScopes ?? {})) {
    grant.addResourceScope(resource, scopes.join(' '))
  }
  return grant.save()
}
