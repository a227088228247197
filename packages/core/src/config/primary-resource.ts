import type { CoatcheckConfig } from './parse-config.ts'

/**
 * The audience of the login's access token: `idp.resource`, or the only resource requested
 * at login. Routes for other audiences get their own tokens (RFC 8707).
 */
export function primaryResource(config: CoatcheckConfig): string | undefined {
  const { idp, loginResources } = config
  return idp.resource ?? (loginResources.length === 1 ? loginResources[0] : undefined)
}
