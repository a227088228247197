import type { z } from 'zod'
import { deepFreeze } from '../internal/deep-freeze.ts'
import { ConfigError, type ConfigIssue } from './config-error.ts'
import { configSchema, type CoatcheckConfigInput } from './schema.ts'

type ParsedConfig = z.output<typeof configSchema>

/** The validated, frozen configuration, plus values derived from it once. */
export interface CoatcheckConfig extends ParsedConfig {
  /** Origin of `publicUrl`. */
  readonly publicOrigin: string
  /** `<publicUrl><basePath>/callback`: the exact redirect URI registered at the IdP (L-11). */
  readonly redirectUri: string
  /** `<publicUrl><basePath>/logout/callback`: the registered post-logout redirect URI. */
  readonly postLogoutRedirectUri: string
  /** Every origin allowed for CORS, Origin checks and absolute `returnTo`: the SPA's and `spa.origins`. */
  readonly allowedOrigins: ReadonlySet<string>
  /** Resource indicators requested at login: `idp.resource` and every route's `resource`. */
  readonly loginResources: readonly string[]
  /** Scopes requested at login: `idp.scopes` and every route's `scopes`. */
  readonly loginScopes: readonly string[]
}

/**
 * Validates a configuration object once, at start-up, and freezes it.
 *
 * @throws ConfigError naming every bad option and its fix.
 */
export function parseConfig(input: CoatcheckConfigInput | unknown): CoatcheckConfig {
  const result = configSchema.safeParse(input)
  if (!result.success) throw new ConfigError(result.error.issues.map(toConfigIssue))
  const config = result.data
  const issues = checkCrossFieldRules(config)
  if (issues.length > 0) throw new ConfigError(issues)

  const publicUrl = config.publicUrl.replace(/\/+$/, '')
  return deepFreeze({
    ...config,
    publicUrl,
    publicOrigin: new URL(publicUrl).origin,
    redirectUri: `${publicUrl}${config.basePath}/callback`,
    postLogoutRedirectUri: `${publicUrl}${config.basePath}/logout/callback`,
    allowedOrigins: new Set([new URL(config.spa.url).origin, ...config.spa.origins]),
    loginResources: unique([
      config.idp.resource,
      ...config.routes.filter((r) => r.token !== 'client').map((r) => r.resource),
    ]),
    loginScopes: unique([
      ...config.idp.scopes,
      ...config.routes.filter((r) => r.token !== 'client').flatMap((r) => r.scopes ?? []),
    ]),
  })
}

function checkCrossFieldRules(config: ParsedConfig): ConfigIssue[] {
  const issues: ConfigIssue[] = []
  const { cookie } = config
  if (cookie.name.startsWith('__Host-') && cookie.domain !== undefined) {
    issues.push({
      path: 'cookie.domain',
      message:
        'a `__Host-` cookie must not have a Domain (browsers reject it); remove `cookie.domain` ' +
        'or give `cookie.name` another prefix such as `__Secure-`',
    })
  }
  if (config.environment === 'production') {
    const urls: [string, string][] = [
      ['publicUrl', config.publicUrl],
      ['idp.issuer', config.idp.issuer],
      ['spa.url', config.spa.url],
      ...config.spa.origins.map((origin, i): [string, string] => [`spa.origins.${i}`, origin]),
    ]
    for (const [path, url] of urls) {
      if (new URL(url).protocol !== 'https:') {
        issues.push({
          path,
          message:
            'must use https outside development (G-01; Secure cookies need it); use an https URL, ' +
            'or set `environment: development` for a local demo',
        })
      }
    }
  }
  if (
    cookie.sameSite === 'none' &&
    !cookie.name.startsWith('__Host-') &&
    !cookie.name.startsWith('__Secure-')
  ) {
    issues.push({
      path: 'cookie.name',
      message:
        '`sameSite: none` needs a `__Host-` or `__Secure-` cookie name so browsers require Secure',
    })
  }
  return issues
}

function toConfigIssue(issue: z.core.$ZodIssue): ConfigIssue {
  const path = issue.path.length > 0 ? issue.path.join('.') : '(root)'
  if (issue.code === 'unrecognized_keys') {
    return {
      path: [...issue.path, ...issue.keys].join('.'),
      message: `unknown option; remove it or check its spelling (see docs/configuration.md)`,
    }
  }
  if (issue.code === 'invalid_type' && issue.input === undefined) {
    return { path, message: 'is required; see docs/configuration.md' }
  }
  return { path, message: issue.message }
}

function unique(values: readonly (string | undefined)[]): string[] {
  return [...new Set(values.filter((value): value is string => value !== undefined))]
}
