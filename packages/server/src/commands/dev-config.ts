import { randomBytes } from 'node:crypto'

/** What `coatcheck dev` fills in around the user's configuration. */
export interface DevConfigOptions {
  /** The development identity provider's issuer. */
  issuer: string
  /** Used when the configuration has no `publicUrl`. */
  publicUrl: string
  /** Used when the configuration has no `spa`. */
  spaUrl: string
}

// Scopes every OpenID Provider knows; any other requested scope belongs to an API.
const OPENID_SCOPES = new Set(['openid', 'profile', 'email', 'address', 'phone', 'offline_access'])

/**
 * The configuration `coatcheck dev` runs: the user's, switched to `environment: development`,
 * pointed at the development identity provider, with fresh keys and a random client secret
 * unless the file sets them. Nothing generated here outlives the process.
 */
export function buildDevConfig(
  raw: Readonly<Record<string, unknown>>,
  options: DevConfigOptions,
): Record<string, unknown> {
  const idp = asRecord(raw['idp'])
  return {
    ...raw,
    environment: 'development',
    publicUrl: raw['publicUrl'] ?? options.publicUrl,
    keys: raw['keys'] ?? [randomKey()],
    idp: {
      ...idp,
      issuer: options.issuer,
      clientId: idp['clientId'] ?? 'coatcheck-dev',
      clientSecret: idp['clientSecret'] ?? randomKey(),
    },
    spa: raw['spa'] ?? { url: options.spaUrl },
  }
}

/**
 * The API the development identity provider issues audience-bound tokens for: the
 * configuration's `idp.resource`, with its non-OpenID scopes.
 */
export function buildDevApis(
  raw: Readonly<Record<string, unknown>>,
): { audience: string; scopes: string[] }[] {
  const idp = asRecord(raw['idp'])
  const resource = idp['resource']
  if (typeof resource !== 'string') return []
  const scopes = Array.isArray(idp['scopes']) ? idp['scopes'] : []
  return [
    {
      audience: resource,
      scopes: scopes.filter((s): s is string => typeof s === 'string' && !OPENID_SCOPES.has(s)),
    },
  ]
}

/** A fresh 32-byte key, base64url, as `keys` and `idp.clientSecret` expect. */
export function randomKey(): string {
  return randomBytes(32).toString('base64url')
}

function asRecord(value: unknown): Readonly<Record<string, unknown>> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {}
}
