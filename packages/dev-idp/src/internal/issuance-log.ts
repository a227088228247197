import type { KoaContext, Provider } from 'oidc-provider'
import { recordForSweep, type SweepKind } from './sweep-file.ts'

/** One completed token-endpoint grant. */
export interface GrantRecord {
  /** `authorization_code`, `refresh_token`, ... */
  grantType: string
  clientId: string
  sub?: string
  /** Epoch milliseconds. */
  at: number
}

/** What the IdP issued, for test assertions. */
export interface IssuanceLog {
  readonly grants: ReadonlyArray<GrantRecord>
  issuedTokens(): string[]
}

// A long-running CLI IdP must not grow without bound; tests never come near this.
const MAX_ENTRIES = 10_000

/**
 * Records every successful token-endpoint grant and every token value the provider issues:
 * access tokens (JWT or opaque), refresh tokens, ID tokens and back-channel logout tokens.
 * Models only emit events without the token value for JWTs, so the issuing methods of this
 * provider's own model classes are wrapped instead.
 */
export function createIssuanceLog(provider: Provider): IssuanceLog {
  const grants: GrantRecord[] = []
  const tokens = new Set<string>()
  const remember = (value: string, kind: SweepKind): string => {
    recordForSweep(kind, value)
    tokens.add(value)
    if (tokens.size > MAX_ENTRIES) tokens.delete(tokens.values().next().value as string)
    return value
  }

  provider.on('grant.success', (ctx: KoaContext) => {
    const { params, client, entities } = ctx.oidc
    const sub = entities.Account?.accountId
    grants.push({
      grantType: String(params.grant_type),
      clientId: client?.clientId ?? '',
      ...(sub === undefined ? {} : { sub }),
      at: Date.now(),
    })
    if (grants.length > MAX_ENTRIES) grants.shift()
  })

  const accessToken = provider.AccessToken.prototype
  const saveAccessToken = accessToken.save
  accessToken.save = async function (this: unknown) {
    return remember(await saveAccessToken.call(this), 'access_token')
  }
  const refreshToken = provider.RefreshToken.prototype
  const saveRefreshToken = refreshToken.save
  refreshToken.save = async function (this: unknown) {
    return remember(await saveRefreshToken.call(this), 'refresh_token')
  }
  // IdToken signs ID tokens and logout tokens (use: 'idtoken' | 'logout').
  const idToken = provider.IdToken.prototype
  const issueIdToken = idToken.issue
  idToken.issue = async function (this: unknown, options: { use: string }) {
    return remember(await issueIdToken.call(this, options), 'id_token')
  }
  // Codes are not tokens for `issuedTokens()`, but the log sweep looks for them too.
  const code = provider.AuthorizationCode.prototype
  const saveCode = code.save
  code.save = async function (this: unknown) {
    const value = await saveCode.call(this)
    recordForSweep('authorization_code', value)
    return value
  }

  return { grants, issuedTokens: () => [...tokens] }
}
