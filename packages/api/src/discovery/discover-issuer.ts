import { AuthFailure } from '../errors/internal/auth-failure.ts'
import { checkServerUrl } from '../verifier/internal/checks.ts'
import { fetchJson, type ServerCallOptions } from './fetch-json.ts'

/** The authorization server metadata the API uses. */
export interface IssuerMetadata {
  readonly issuer: string
  readonly jwks_uri: string | undefined
  readonly introspection_endpoint: string | undefined
}

/** What discovery needs. */
export interface DiscoveryOptions extends ServerCallOptions {
  readonly issuer: string
  readonly allowInsecureRequests: boolean
}

/**
 * Returns a function that discovers the issuer's metadata once and then answers from memory.
 * A failed discovery is not remembered, so the next request tries again.
 * @see https://openid.net/specs/openid-connect-discovery-1_0.html#ProviderConfig
 * @see https://www.rfc-editor.org/rfc/rfc8414#section-3
 */
export function createIssuerDiscovery(options: DiscoveryOptions): () => Promise<IssuerMetadata> {
  let pending: Promise<IssuerMetadata> | undefined
  return () => {
    pending ??= discover(options).catch((error: unknown) => {
      pending = undefined
      throw error
    })
    return pending
  }
}

async function discover(options: DiscoveryOptions): Promise<IssuerMetadata> {
  const metadata = await fetchJson(options, wellKnownUrl(options.issuer))
  // RFC 8414 §3.3: a document naming another issuer is an impersonation attempt or a
  // misconfiguration; its keys must not be trusted for this issuer's tokens.
  if (metadata.issuer !== options.issuer) {
    throw new AuthFailure('idp_unavailable', {
      cause: new Error('the discovery document names a different issuer'),
    })
  }
  return {
    issuer: options.issuer,
    jwks_uri: readEndpoint(metadata.jwks_uri, 'jwks_uri', options),
    introspection_endpoint: readEndpoint(
      metadata.introspection_endpoint,
      'introspection_endpoint',
      options,
    ),
  }
}

function wellKnownUrl(issuer: string): string {
  return `${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`
}

function readEndpoint(value: unknown, name: string, options: DiscoveryOptions): string | undefined {
  if (value === undefined) return undefined
  try {
    return checkServerUrl(value as string, name, options.allowInsecureRequests)
  } catch (cause) {
    throw new AuthFailure('idp_unavailable', { cause })
  }
}
