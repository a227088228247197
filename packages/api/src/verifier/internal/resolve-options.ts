import { createMemoryReplayCache, type ReplayCache } from '../../dpop/replay-cache.ts'
import type { DpopNonceSource } from '../../dpop/dpop-nonce.ts'
import type { TokenScheme } from '../../errors/www-authenticate.ts'
import type { RequestLike } from '../../request/request-like.ts'
import type {
  AuthFailureEvent,
  IntrospectionOptions,
  TokenVerifierOptions,
} from '../token-verifier-options.ts'
import { checkAlgorithms, checkPositive, checkServerUrl, resolvePublicUrl } from './checks.ts'

/** Options after defaults and checks; frozen. */
export interface ResolvedOptions {
  readonly issuer: string
  readonly audience: string
  readonly algorithms: readonly string[]
  readonly clockToleranceSeconds: number
  readonly requiredScopes: readonly string[]
  readonly realm: string | undefined
  readonly jwksUri: string | undefined
  readonly jwksCooldownMs: number
  readonly jwksMaxAgeMs: number
  readonly introspection: Readonly<Required<IntrospectionOptions>> | undefined
  readonly dpop: ResolvedDpopOptions | undefined
  /** Accepted schemes, in challenge order. */
  readonly schemes: readonly TokenScheme[]
  readonly publicUrlOf: (request: RequestLike) => string
  readonly fetch: typeof fetch
  readonly timeoutMs: number
  readonly now: () => number
  readonly allowInsecureRequests: boolean
  readonly onFailure: (event: AuthFailureEvent) => void
}

/** DPoP options after defaults. */
export interface ResolvedDpopOptions {
  readonly required: boolean
  readonly algorithms: readonly string[]
  readonly proofMaxAgeSeconds: number
  readonly replayCache: ReplayCache
  readonly nonce: DpopNonceSource | undefined
}

const DEFAULT_ALGORITHMS = ['ES256', 'RS256', 'PS256', 'EdDSA']
const DEFAULT_DPOP_ALGORITHMS = ['ES256', 'PS256', 'RS256', 'EdDSA', 'Ed25519']

/** Applies defaults and refuses settings that cannot be safe, before any request is served. */
export function resolveOptions(options: TokenVerifierOptions): ResolvedOptions {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError('createTokenVerifier: options must be an object')
  }
  const allowInsecureRequests = options.allowInsecureRequests === true
  const issuer = checkServerUrl(options.issuer, 'issuer', allowInsecureRequests)
  if (typeof options.audience !== 'string' || options.audience === '') {
    throw new TypeError("`audience` must be this API's identifier, e.g. https://api.example.com")
  }
  const now = options.now ?? Date.now
  const dpop = resolveDpop(options, now)
  const intro = options.introspection
  return Object.freeze({
    issuer,
    audience: options.audience,
    algorithms: checkAlgorithms(options.algorithms ?? DEFAULT_ALGORITHMS, 'algorithms'),
    clockToleranceSeconds: checkPositive(options.clockToleranceSeconds ?? 5, 'clockTolerance', 0),
    requiredScopes: Object.freeze([...(options.requiredScopes ?? [])]),
    realm: options.realm,
    jwksUri:
      options.jwksUri === undefined
        ? undefined
        : checkServerUrl(options.jwksUri, 'jwksUri', allowInsecureRequests),
    jwksCooldownMs: checkPositive(options.jwksCooldownSeconds ?? 30, 'jwksCooldownSeconds') * 1000,
    jwksMaxAgeMs: checkPositive(options.jwksMaxAgeSeconds ?? 600, 'jwksMaxAgeSeconds') * 1000,
    introspection:
      intro === undefined ? undefined : resolveIntrospection(intro, allowInsecureRequests),
    dpop,
    schemes: Object.freeze(
      dpop === undefined ? ['Bearer'] : dpop.required ? ['DPoP'] : ['Bearer', 'DPoP'],
    ) as readonly TokenScheme[],
    publicUrlOf: resolvePublicUrl(options.publicUrl, dpop !== undefined),
    fetch: options.fetch ?? globalThis.fetch.bind(globalThis),
    timeoutMs: checkPositive(options.timeoutMs ?? 5000, 'timeoutMs'),
    now,
    allowInsecureRequests,
    onFailure: options.onFailure ?? logFailure,
  })
}

function resolveDpop(options: TokenVerifierOptions, now: () => number) {
  if (options.dpop === false) return undefined
  const dpop = options.dpop ?? {}
  return Object.freeze({
    required: dpop.required === true,
    algorithms: checkAlgorithms(dpop.algorithms ?? DEFAULT_DPOP_ALGORITHMS, 'dpop.algorithms'),
    proofMaxAgeSeconds: checkPositive(dpop.proofMaxAgeSeconds ?? 60, 'dpop.proofMaxAgeSeconds'),
    replayCache: dpop.replayCache ?? createMemoryReplayCache({ now }),
    nonce: dpop.nonce,
  })
}

function resolveIntrospection(
  options: IntrospectionOptions,
  allowInsecureRequests: boolean,
): Readonly<Required<IntrospectionOptions>> {
  if (typeof options.clientId !== 'string' || options.clientId === '') {
    throw new TypeError('`introspection.clientId` must be the API’s client id (RFC 7662 §2.1)')
  }
  if (typeof options.clientSecret !== 'string' || options.clientSecret === '') {
    throw new TypeError('`introspection.clientSecret` must be the API’s client secret')
  }
  const authMethod = options.authMethod ?? 'client_secret_basic'
  if (authMethod !== 'client_secret_basic' && authMethod !== 'client_secret_post') {
    throw new TypeError(
      '`introspection.authMethod` must be client_secret_basic or client_secret_post',
    )
  }
  return Object.freeze({
    clientId: options.clientId,
    clientSecret: options.clientSecret,
    authMethod,
    endpoint:
      options.endpoint === undefined
        ? ''
        : checkServerUrl(options.endpoint, 'introspection.endpoint', allowInsecureRequests),
    cacheTtlSeconds: checkPositive(
      options.cacheTtlSeconds ?? 30,
      'introspection.cacheTtlSeconds',
      0,
    ),
    cacheMaxEntries: checkPositive(
      options.cacheMaxEntries ?? 10_000,
      'introspection.cacheMaxEntries',
    ),
  })
}

// S-32: a refusal is worth a log line. No token, proof or query string is ever in it.
function logFailure(event: AuthFailureEvent): void {
  console.warn(
    `@coatcheck/api refused ${event.method} ${event.path}: ${event.reason} (${event.status} ${event.code})`,
  )
}
