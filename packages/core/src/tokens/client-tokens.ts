import * as client from 'openid-client'
import type { RouteConfig } from '../config/schema.ts'
import { CoatcheckError } from '../errors/coatcheck-error.ts'
import type { IdentityProvider } from '../oidc/identity-provider.ts'
import type { AccessToken } from '../session/session.ts'
import { accessTokenExpiry } from './token-expiry.ts'

/**
 * Client-credentials tokens of Coatcheck itself, for `token: client` routes: one per
 * audience and scopes, cached until shortly before expiry, fetched once however many
 * requests need it at the same time.
 *
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.4
 */
export function createClientTokens(options: {
  idp: IdentityProvider
  skewSeconds: number
  now: () => number
}) {
  const cache = new Map<string, AccessToken>()
  const inflight = new Map<string, Promise<AccessToken>>()

  async function fetchToken(route: RouteConfig): Promise<AccessToken> {
    const parameters: Record<string, string> = {}
    if (route.resource !== undefined) parameters.resource = route.resource
    if (route.scopes !== undefined) parameters.scope = route.scopes.join(' ')
    try {
      const response = await client.clientCredentialsGrant(
        await options.idp.configuration(),
        parameters,
      )
      const expiresAt = accessTokenExpiry(response, options.now())
      return {
        value: response.access_token,
        type: response.token_type,
        ...(expiresAt === undefined ? {} : { expiresAt }),
      }
    } catch (cause) {
      if (cause instanceof CoatcheckError) throw cause
      throw new CoatcheckError('idp_unavailable', {
        message: 'The identity provider refused a client-credentials token for this route.',
        cause,
      })
    }
  }

  return {
    /** A fresh token for the route; `rejected` forces a new one when it is the cached token. */
    async token(route: RouteConfig, rejected?: string): Promise<AccessToken> {
      const key = `${route.resource ?? ''} ${[...(route.scopes ?? [])].sort().join(' ')}`
      const cached = cache.get(key)
      const fresh =
        cached &&
        cached.value !== rejected &&
        (cached.expiresAt === undefined ||
          cached.expiresAt - options.skewSeconds > options.now() / 1000)
      if (cached && fresh) return cached
      let pending = inflight.get(key)
      if (!pending) {
        pending = fetchToken(route)
          .then((token) => {
            cache.set(key, token)
            return token
          })
          .finally(() => inflight.delete(key))
        inflight.set(key, pending)
      }
      return pending
    },
  }
}

/** The client-token cache of one Coatcheck instance. */
export type ClientTokens = ReturnType<typeof createClientTokens>
