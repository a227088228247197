import type { Finding } from './finding.ts'
import { parseSetCookie, sendProbe, type ProbeResponse } from './probe-request.ts'

/** Options of {@link probeDeployment}. */
export interface ProbeDeploymentOptions {
  /** The deployment as browsers reach it, e.g. `https://app.example.com`. */
  url: string
  /** Prefix of the auth endpoints. Default `/auth`. */
  basePath?: string
  /** The static anti-CSRF header. Default `x-csrf: 1`. */
  csrfHeaderName?: string
  csrfHeaderValue?: string
  /** Per request. Default 5000 ms. */
  timeoutMs?: number
}

/** An origin no deployment should trust. */
const FOREIGN_ORIGIN = 'https://evil.example'

/** Headers of a top-level navigation typed into the address bar. */
const NAVIGATION = {
  accept: 'text/html',
  'sec-fetch-mode': 'navigate',
  'sec-fetch-dest': 'document',
  'sec-fetch-site': 'none',
}

interface Probe {
  readonly base: URL
  readonly basePath: string
  readonly csrf: Readonly<Record<string, string>>
  readonly send: (
    path: string,
    init?: { method?: string; headers?: Record<string, string> },
  ) => Promise<ProbeResponse>
}

/**
 * Probes a running deployment from outside, as a browser and as an attacker would: the login
 * redirect's cookies and headers, the anti-CSRF header, CORS for a foreign origin, and an
 * open redirect through `returnTo`. Sends no credentials and needs no account.
 *
 * @throws Error when the deployment cannot be reached at all.
 */
export async function probeDeployment(options: ProbeDeploymentOptions): Promise<Finding[]> {
  const base = new URL(options.url)
  const timeoutMs = options.timeoutMs ?? 5000
  const probe: Probe = {
    base,
    basePath: options.basePath ?? '/auth',
    csrf: { [options.csrfHeaderName ?? 'x-csrf']: options.csrfHeaderValue ?? '1' },
    send: (path, init = {}) => sendProbe(new URL(path, base), { ...init, timeoutMs }),
  }
  const findings: Finding[] = []
  for (const step of PROBES) findings.push(...(await step(probe)))
  return findings
}

type ProbeStep = (probe: Probe) => Promise<Finding[]>

const probeLogin: ProbeStep = async (probe) => {
  const where = `GET ${probe.basePath}/login`
  const res = await probe.send(`${probe.basePath}/login`, { headers: NAVIGATION })
  const findings: Finding[] = []
  if (res.status !== 302 && res.status !== 303) {
    return [
      {
        severity: 'error',
        id: 'L-20',
        where,
        message: `answered ${res.status}, not a redirect to the identity provider`,
        fix: 'check `--url` and `basePath`, and that the identity provider is reachable',
      },
    ]
  }
  if (res.setCookies.length === 0) {
    findings.push({
      severity: 'error',
      id: 'L-04',
      where,
      message: 'set no cookie: the login transaction is not bound to this browser',
      fix: 'keep state, PKCE verifier and nonce in a per-browser transaction cookie',
    })
  }
  for (const header of res.setCookies) findings.push(...checkCookieAttributes(header, where))
  findings.push(...checkSecurityHeaders(res, where, probe.base))
  return findings
}

function checkCookieAttributes(header: string, where: string): Finding[] {
  const { name, attributes } = parseSetCookie(header)
  const at = `${where} (cookie ${name})`
  const findings: Finding[] = []
  const rule = (
    ok: boolean,
    severity: Finding['severity'],
    id: string,
    message: string,
    fix: string,
  ) => {
    if (!ok) findings.push({ severity, id, where: at, message, fix })
  }
  rule(
    name.startsWith('__Host-'),
    'warning',
    'C-05',
    'the name has no `__Host-` prefix',
    'use a `__Host-` cookie name',
  )
  rule(
    attributes.has('secure'),
    'error',
    'C-01',
    'no Secure attribute: the cookie can travel over http',
    'set Secure on every cookie',
  )
  rule(
    attributes.has('httponly'),
    'error',
    'C-02',
    'no HttpOnly attribute: scripts (XSS) can read it',
    'set HttpOnly on every cookie',
  )
  const sameSite = attributes.get('samesite')?.toLowerCase()
  rule(
    sameSite !== undefined,
    'error',
    'C-03',
    'no SameSite attribute: the browser default applies',
    'set SameSite explicitly (Lax for the login transaction, Strict for the session)',
  )
  rule(
    sameSite !== 'strict',
    'error',
    'C-06',
    'the login-transaction cookie is SameSite=Strict, so the cross-site redirect back from the identity provider arrives without it',
    'set SameSite=Lax on the login-transaction cookie',
  )
  rule(attributes.get('path') === '/', 'warning', 'C-04', 'Path is not /', 'set Path=/')
  rule(
    !attributes.has('domain'),
    'warning',
    'C-04',
    'a Domain attribute sends the cookie to every subdomain',
    'remove Domain',
  )
  return findings
}

function checkSecurityHeaders(res: ProbeResponse, where: string, base: URL): Finding[] {
  const findings: Finding[] = []
  if (!/\bno-store\b/.test(String(res.headers['cache-control'] ?? ''))) {
    findings.push({
      severity: 'warning',
      id: 'C-13',
      where,
      message: 'the response may be cached: no `Cache-Control: no-store`',
      fix: 'send `Cache-Control: no-store` on every auth response (a CDN rule may be removing it)',
    })
  }
  if (res.headers['referrer-policy'] === undefined) {
    findings.push({
      severity: 'warning',
      id: 'L-18',
      where,
      message: 'no Referrer-Policy: URLs of the flow may leak through Referer',
      fix: 'send `Referrer-Policy: no-referrer` on auth responses',
    })
  }
  return [...findings, ...checkHsts(res, where, base)]
}

function checkHsts(res: ProbeResponse, where: string, base: URL): Finding[] {
  if (base.protocol !== 'https:' || res.headers['strict-transport-security'] !== undefined) {
    return []
  }
  return [
    {
      severity: 'warning',
      id: 'C-18',
      where,
      message: 'no Strict-Transport-Security header',
      fix: 'send HSTS (`Strict-Transport-Security: max-age=31536000`) from Coatcheck or the proxy in front',
    },
  ]
}

const probeCsrfHeader: ProbeStep = async (probe) => {
  const path = `${probe.basePath}/session`
  const res = await probe.send(path, { headers: { origin: probe.base.origin } })
  if (res.status === 403 || res.status === 400) return []
  return [
    {
      severity: 'error',
      id: 'X-02',
      where: `GET ${path} without the anti-CSRF header`,
      message: `answered ${res.status}: requests without the static header are not refused`,
      fix: 'refuse every SPA-facing request that lacks the anti-CSRF header, GET included',
    },
  ]
}

const probeCors: ProbeStep = async (probe) => {
  const path = `${probe.basePath}/session`
  const [name] = Object.keys(probe.csrf)
  const preflight = await probe.send(path, {
    method: 'OPTIONS',
    headers: {
      origin: FOREIGN_ORIGIN,
      'access-control-request-method': 'GET',
      'access-control-request-headers': name ?? 'x-csrf',
    },
  })
  const actual = await probe.send(path, { headers: { origin: FOREIGN_ORIGIN, ...probe.csrf } })
  const findings: Finding[] = []
  for (const [res, what] of [
    [preflight, `OPTIONS ${path} from ${FOREIGN_ORIGIN}`],
    [actual, `GET ${path} from ${FOREIGN_ORIGIN}`],
  ] as const) {
    const allowed = res.headers['access-control-allow-origin']
    if (allowed === '*' || allowed === FOREIGN_ORIGIN) {
      findings.push({
        severity: 'error',
        id: 'X-03',
        where: what,
        message: `CORS allows a foreign origin (Access-Control-Allow-Origin: ${allowed})`,
        fix: 'allow exact SPA origins only; never `*` or the reflected Origin',
      })
    }
  }
  if (actual.status < 400) {
    findings.push({
      severity: 'warning',
      id: 'X-06',
      where: `GET ${path} from ${FOREIGN_ORIGIN}`,
      message: `answered ${actual.status}: the Origin of the request is not checked`,
      fix: 'refuse requests whose Origin is not Coatcheck’s or an allowlisted SPA origin',
    })
  }
  return findings
}

const probeReturnTo: ProbeStep = async (probe) => {
  const path = `${probe.basePath}/login?returnTo=${encodeURIComponent('//evil.example')}`
  const res = await probe.send(path, { headers: NAVIGATION })
  if (res.status >= 400 && res.status < 500) return []
  return [
    {
      severity: 'error',
      id: 'L-15',
      where: `GET ${path}`,
      message: `answered ${res.status}: \`returnTo=//evil.example\` (protocol-relative) is accepted, an open redirect`,
      fix: 'accept only same-origin paths or exact allowlisted origins as `returnTo`',
    },
  ]
}

const probeAppDocument: ProbeStep = async (probe) => {
  const res = await probe.send('/', { headers: NAVIGATION })
  // Only when this origin serves the SPA (same-origin topology, or a CDN in front).
  if (res.status !== 200 || !String(res.headers['content-type']).startsWith('text/html')) return []
  const where = 'GET / (the SPA)'
  const csp = String(res.headers['content-security-policy'] ?? '')
  const findings: Finding[] = []
  const scriptSources = /(?:^|;)\s*(?:script-src|default-src)\s([^;]*)/.exec(csp)?.[1] ?? ''
  if (csp === '' || /'unsafe-inline'|\*/.test(scriptSources)) {
    findings.push({
      severity: 'warning',
      id: 'G-02',
      where,
      message:
        'no strict Content-Security-Policy for scripts: an injected script runs, and can use the session while the page is open',
      fix: "send a CSP with `script-src 'self'` plus hashes or nonces for inline scripts (`spa.static` does)",
    })
  }
  if (!/frame-ancestors\s+'none'/.test(csp) && res.headers['x-frame-options'] === undefined) {
    findings.push({
      severity: 'warning',
      id: 'G-02',
      where,
      message: 'the app may be framed by any site (clickjacking)',
      fix: "add `frame-ancestors 'none'` to the CSP",
    })
  }
  if (res.headers['x-content-type-options'] !== 'nosniff') {
    findings.push({
      severity: 'info',
      id: 'G-02',
      where,
      message: 'no `X-Content-Type-Options: nosniff`',
      fix: 'send `X-Content-Type-Options: nosniff` with every file',
    })
  }
  return [...findings, ...checkHsts(res, where, probe.base)]
}

const PROBES: readonly ProbeStep[] = [
  probeLogin,
  probeCsrfHeader,
  probeCors,
  probeReturnTo,
  probeAppDocument,
]
