import type { CoatcheckConfig } from '@coatcheck/core'
import type { Finding } from './finding.ts'
import { isLoopbackHost, siteOf } from './site.ts'

/** Browsers cap a cookie's lifetime at 400 days (6265bis §5.5). */
const MAX_COOKIE_LIFETIME_SECONDS = 400 * 24 * 3600
/** Client IDs and secrets that only the demo and `coatcheck dev` use. */
const DEV_CLIENT_IDS = new Set(['coatcheck-dev', 'coatcheck-demo'])

type Check = (config: CoatcheckConfig) => Finding[]

/**
 * Static checks of a validated configuration against REQUIREMENTS.md: what `parseConfig`
 * accepts because it can work, but that weakens the deployment. Pure: no I/O.
 */
export function checkConfig(config: CoatcheckConfig): Finding[] {
  return CHECKS.flatMap((check) => check(config))
}

const checkCookie: Check = ({ cookie }) => {
  const findings: Finding[] = []
  if (!cookie.name.startsWith('__Host-')) {
    findings.push({
      severity: 'warning',
      id: 'C-05',
      where: 'cookie.name',
      message: `"${cookie.name}" has no \`__Host-\` prefix, so browsers do not enforce Secure, Path=/ and no Domain`,
      fix: 'name the cookie `__Host-coatcheck` (the default) or another `__Host-` name',
    })
  }
  if (cookie.domain !== undefined) {
    findings.push({
      severity: 'warning',
      id: 'C-04',
      where: 'cookie.domain',
      message: 'a Domain attribute sends the session cookie to every subdomain',
      fix: 'remove `cookie.domain`',
    })
  }
  if (cookie.sameSite !== 'strict') {
    findings.push({
      severity: cookie.sameSite === 'none' ? 'warning' : 'info',
      id: 'C-03',
      where: 'cookie.sameSite',
      message: `SameSite=${cookie.sameSite} sends the session cookie on ${cookie.sameSite === 'none' ? 'every cross-site request' : 'cross-site top-level navigations'}`,
      fix: 'use `sameSite: strict` unless Coatcheck is embedded cross-site (C-17)',
    })
  }
  return findings
}

const checkPublicUrls: Check = (config) => {
  if (config.environment !== 'development') return []
  const urls: [string, string][] = [
    ['publicUrl', config.publicUrl],
    ['spa.url', config.spa.url],
    ['idp.issuer', config.idp.issuer],
  ]
  return urls
    .filter(([, url]) => !isLoopbackHost(new URL(url).hostname))
    .map(([where, url]) => ({
      severity: 'error',
      id: 'G-01',
      where,
      message: `\`environment: development\` allows http, but ${new URL(url).host} is not this machine: this looks like a deployment`,
      fix: 'set `environment: production` and use https URLs',
    }))
}

const checkOrigins: Check = (config) => {
  const findings: Finding[] = []
  const coatcheckSite = siteOf(config.publicUrl)
  const origins: [string, string][] = [
    ['spa.url', new URL(config.spa.url).origin],
    ...config.spa.origins.map((origin, i): [string, string] => [`spa.origins.${i}`, origin]),
  ]
  for (const [where, origin] of origins) {
    if (origin.includes('*')) {
      findings.push({
        severity: 'error',
        id: 'X-03',
        where,
        message: `"${origin}" is a pattern; CORS with credentials needs exact origins`,
        fix: 'list every SPA origin exactly, e.g. `https://app.example.com`',
      })
    } else if (siteOf(origin) !== coatcheckSite) {
      findings.push({
        severity: 'error',
        id: 'C-16',
        where,
        message: `${origin} is not on the same site as publicUrl (${config.publicOrigin}): the session cookie would be a third-party cookie, which browsers block`,
        fix: 'serve the SPA and Coatcheck from the same site, ideally the same origin (see docs/topologies.md)',
      })
    }
  }
  return findings
}

const checkLifetimes: Check = ({ session }) => {
  const findings: Finding[] = []
  if (session.absoluteTimeoutSeconds > MAX_COOKIE_LIFETIME_SECONDS) {
    findings.push({
      severity: 'error',
      id: 'C-11',
      where: 'session.absoluteTimeoutSeconds',
      message: 'longer than the 400 days browsers keep a cookie, and than any refresh token lives',
      fix: 'keep the session no longer than the refresh token’s maximum lifetime',
    })
  }
  if (session.idleTimeoutSeconds > session.absoluteTimeoutSeconds) {
    findings.push({
      severity: 'warning',
      id: 'C-12',
      where: 'session.idleTimeoutSeconds',
      message: 'longer than the absolute timeout, so it never applies',
      fix: 'make `session.idleTimeoutSeconds` shorter than `session.absoluteTimeoutSeconds`',
    })
  }
  return findings
}

const checkStore: Check = (config) => {
  if (config.environment !== 'production') return []
  if (config.session.store === 'cookie') {
    return [
      {
        severity: 'warning',
        id: 'C-15',
        where: 'session.store',
        message:
          'the cookie store keeps its refresh lock and its back-channel logout denylist in each process: with several instances, two of them can redeem the same rotated refresh token (R-03), and a logout token ends the session only on the instance that received it',
        fix: 'run exactly one instance, or use `session.store: redis` (see docs/stores.md)',
      },
    ]
  }
  if (config.session.store !== 'memory') return []
  return [
    {
      severity: 'warning',
      id: 'R-03',
      where: 'session.store',
      message:
        'the memory store keeps sessions and refresh locks in one process: with several instances, two of them can redeem the same rotated refresh token and the identity provider revokes the grant; every restart logs everyone out',
      fix: 'run exactly one instance, or use a shared store (`session.store`, see docs/stores.md)',
    },
  ]
}

const checkKeys: Check = (config) => {
  const findings: Finding[] = []
  const seen = new Set<string>()
  config.keys.forEach((key, i) => {
    const where = `keys.${i}`
    if (seen.has(key)) {
      findings.push({
        severity: 'warning',
        id: 'C-09',
        where,
        message: 'the same key is listed twice',
        fix: 'remove the duplicate',
      })
    }
    seen.add(key)
    if (isLowEntropy(key)) {
      findings.push({
        severity: 'error',
        id: 'C-09',
        where,
        message: 'the key is not random: cookies sealed with it can be forged',
        fix: 'generate one with `coatcheck keys generate`',
      })
    }
    if (key === config.idp.clientSecret) {
      findings.push({
        severity: 'error',
        id: 'C-09',
        where,
        message: 'the sealing key is also the client secret, which the identity provider knows',
        fix: 'generate a separate key with `coatcheck keys generate`',
      })
    }
  })
  return findings
}

const checkClient: Check = (config) => {
  const findings: Finding[] = []
  const { clientSecret, clientId } = config.idp
  if (isLowEntropy(clientSecret) || clientSecret.length < 32) {
    findings.push({
      severity: config.environment === 'production' ? 'error' : 'info',
      id: 'L-01',
      where: 'idp.clientSecret',
      message: 'the client secret is short or guessable, so anyone could act as this client',
      fix: 'register a random secret of at least 32 characters (`openssl rand -base64 32`)',
    })
  }
  if (config.environment === 'production' && DEV_CLIENT_IDS.has(clientId)) {
    findings.push({
      severity: 'error',
      id: 'D-27',
      where: 'idp.clientId',
      message: `"${clientId}" is the client of the development identity provider`,
      fix: 'register Coatcheck at your production identity provider and use that client',
    })
  }
  if (config.environment === 'production' && isLoopbackHost(new URL(config.idp.issuer).hostname)) {
    findings.push({
      severity: 'error',
      id: 'D-27',
      where: 'idp.issuer',
      message:
        'a production configuration points at an identity provider on this machine (the development one?)',
      fix: 'set `idp.issuer` to your production identity provider',
    })
  }
  return findings
}

const checkRoutes: Check = (config) =>
  config.environment !== 'production'
    ? []
    : config.routes.flatMap((route, i) =>
        new URL(route.upstream).protocol === 'https:' ||
        isLoopbackHost(new URL(route.upstream).hostname)
          ? []
          : [
              {
                severity: 'warning' as const,
                id: 'P-05',
                where: `routes.${i}.upstream`,
                message: `tokens for ${route.path} travel to ${new URL(route.upstream).host} without TLS`,
                fix: 'use an https upstream, or keep it on a private network you trust',
              },
            ],
      )

const checkStaticSpa: Check = (config) =>
  config.spa.static !== undefined && new URL(config.spa.url).origin !== config.publicOrigin
    ? [
        {
          severity: 'warning',
          id: 'C-16',
          where: 'spa.url',
          message: `\`spa.static\` serves the SPA at ${config.publicOrigin}, but \`spa.url\` sends users to ${new URL(config.spa.url).origin}`,
          fix: 'set `spa.url` to a page of `publicUrl`, e.g. `<publicUrl>/`',
        },
      ]
    : []

const CHECKS: readonly Check[] = [
  checkStaticSpa,
  checkCookie,
  checkPublicUrls,
  checkOrigins,
  checkLifetimes,
  checkStore,
  checkKeys,
  checkClient,
  checkRoutes,
]

/** Few distinct characters: `kkkk…`, `abcabc…` or a word repeated; random base64url has ~30 in 43. */
function isLowEntropy(value: string): boolean {
  return new Set(value).size < Math.min(16, Math.ceil(value.length / 2))
}
