import type { CoatcheckConfig } from '@coatcheck/core'
import type { Finding } from './finding.ts'

/** Options of {@link checkIdentityProvider}. */
export interface CheckIdentityProviderOptions {
  /** How long to wait for the discovery document. Default 5000 ms. */
  timeoutMs?: number
}

type Metadata = Readonly<Record<string, unknown>>

/**
 * Fetches the identity provider's discovery document and checks what Coatcheck relies on:
 * the issuer matches (L-12), PKCE with S256 (L-03), `iss` in authorization responses (L-09),
 * the code flow (L-17), the client authentication method, and PAR when it is required (L-21).
 *
 * @see https://openid.net/specs/openid-connect-discovery-1_0.html#ProviderMetadata
 * @see https://www.rfc-editor.org/rfc/rfc9207#section-3
 */
export async function checkIdentityProvider(
  config: CoatcheckConfig,
  options: CheckIdentityProviderOptions = {},
): Promise<Finding[]> {
  const issuer = config.idp.issuer.replace(/\/$/, '')
  const where = `${issuer}/.well-known/openid-configuration`
  let metadata: Metadata
  try {
    metadata = await fetchMetadata(where, options.timeoutMs ?? 5000)
  } catch (error) {
    return [
      {
        severity: 'warning',
        id: 'L-12',
        where,
        message: `cannot read the discovery document (${describeFailure(error)}); its checks were skipped`,
        fix: 'check `idp.issuer` and that this machine can reach the identity provider',
      },
    ]
  }
  return METADATA_CHECKS.flatMap((check) => check(metadata, config, where))
}

async function fetchMetadata(url: string, timeoutMs: number): Promise<Metadata> {
  const response = await fetch(url, {
    signal: AbortSignal.timeout(timeoutMs),
    redirect: 'manual',
    headers: { accept: 'application/json' },
  })
  if (!response.ok) throw new Error(`HTTP ${response.status}`)
  const body: unknown = await response.json()
  if (body === null || typeof body !== 'object') throw new Error('not a JSON object')
  return body as Metadata
}

type MetadataCheck = (metadata: Metadata, config: CoatcheckConfig, where: string) => Finding[]

const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : [])

const METADATA_CHECKS: readonly MetadataCheck[] = [
  (metadata, config, where) =>
    metadata['issuer'] === config.idp.issuer.replace(/\/$/, '')
      ? []
      : [
          {
            severity: 'error',
            id: 'L-12',
            where,
            message: `the document names issuer ${JSON.stringify(metadata['issuer'])}, not ${config.idp.issuer}: Coatcheck refuses it (mix-up defence)`,
            fix: 'set `idp.issuer` to exactly the `issuer` of the discovery document',
          },
        ],
  (metadata, _config, where) =>
    list(metadata['code_challenge_methods_supported']).includes('S256')
      ? []
      : [
          {
            severity: 'error',
            id: 'L-03',
            where,
            message: '`code_challenge_methods_supported` does not list S256: PKCE may be ignored',
            fix: 'enable PKCE with S256 at the identity provider, and require it for this client',
          },
        ],
  (metadata, _config, where) =>
    metadata['authorization_response_iss_parameter_supported'] === true
      ? []
      : [
          {
            severity: 'warning',
            id: 'L-09',
            where,
            message:
              '`authorization_response_iss_parameter_supported` is not true: authorization responses carry no `iss` (RFC 9207), the mix-up defence',
            fix: 'enable RFC 9207 `iss` in authorization responses at the identity provider',
          },
        ],
  (metadata, _config, where) =>
    metadata['response_types_supported'] === undefined ||
    list(metadata['response_types_supported']).includes('code')
      ? []
      : [
          {
            severity: 'error',
            id: 'L-17',
            where,
            message: '`response_types_supported` lacks `code`',
            fix: 'enable the authorization code flow at the identity provider',
          },
        ],
  (metadata, config, where) => {
    const methods = metadata['token_endpoint_auth_methods_supported']
    return methods === undefined || list(methods).includes(config.idp.clientAuthMethod)
      ? []
      : [
          {
            severity: 'error',
            id: 'L-01',
            where,
            message: `\`token_endpoint_auth_methods_supported\` lacks ${config.idp.clientAuthMethod}`,
            fix: `set \`idp.clientAuthMethod\` to one of ${list(methods).join(', ')}`,
          },
        ]
  },
  (metadata, config, where) =>
    metadata['require_pushed_authorization_requests'] === true &&
    config.idp.pushedAuthorizationRequests === 'never'
      ? [
          {
            severity: 'error',
            id: 'L-21',
            where,
            message:
              'the identity provider requires PAR, and `idp.pushedAuthorizationRequests` is `never`',
            fix: 'set `idp.pushedAuthorizationRequests: auto`',
          },
        ]
      : [],
]

/** `fetch failed` says little: the network error's code (`ECONNREFUSED`) says more. */
function describeFailure(error: unknown): string {
  if (!(error instanceof Error)) return String(error)
  const cause = error.cause
  const code = (cause as { code?: unknown } | undefined)?.code
  const detail = typeof code === 'string' ? code : cause instanceof Error ? cause.message : ''
  return detail === '' ? error.message : `${error.message}: ${detail}`
}
