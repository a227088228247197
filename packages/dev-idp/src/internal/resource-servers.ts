import { errors, type Client, type KoaContext, type ResourceServerInfo } from 'oidc-provider'
import type { DevApi } from '../options.ts'

/**
 * oidc-provider's `features.resourceIndicators` for the configured APIs (D-11, D-24): each
 * API gets ES256-signed RFC 9068 JWT access tokens with its own audience and lifetime.
 *
 * A client must send `resource=<audience>` in the authorization request. The audience is then
 * remembered with the grant (`useGrantedResource`), so the code exchange and every refresh
 * issue a JWT for that API without the client repeating `resource`. The token carries the
 * API scopes the client requested *and* was granted; oidc-provider never adds unrequested
 * ones, so request them (e.g. `openid profile email api:read`).
 * @see https://www.rfc-editor.org/rfc/rfc8707
 * @see https://www.rfc-editor.org/rfc/rfc9068
 */
export function createResourceIndicators(apis: readonly DevApi[], accessTokenTtl: number) {
  const byAudience = new Map(apis.map((api) => [api.audience, api]))
  return {
    enabled: true,
    // No resource by default: an audience-bound token only when asked for (least privilege,
    // L-23). Several granted resources and none named at the token endpoint: the client must
    // pick one, so pass the list back and let oidc-provider answer invalid_target.
    async defaultResource(_ctx: KoaContext, _client: Client, oneOf?: string[]) {
      return oneOf?.length === 1 ? oneOf[0] : oneOf
    },
    async useGrantedResource() {
      return true
    },
    async getResourceServerInfo(
      _ctx: KoaContext,
      resourceIndicator: string,
      client: Client,
    ): Promise<ResourceServerInfo> {
      const api = byAudience.get(resourceIndicator)
      // Unknown APIs, and APIs this client is not registered for, are refused (D-24).
      if (api === undefined || (api.clientIds && !api.clientIds.includes(client.clientId))) {
        throw new errors.InvalidTarget()
      }
      return {
        scope: api.scopes.join(' '),
        audience: api.audience,
        accessTokenTTL: accessTokenTtl,
        accessTokenFormat: 'jwt',
        jwt: { sign: { alg: 'ES256' } },
      }
    },
  }
}
