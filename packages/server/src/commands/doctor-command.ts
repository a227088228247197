import { parseConfig, type CoatcheckConfig } from '@coatcheck/core'
import { loadConfigFile } from '../config-file.ts'
import { checkConfig } from '../doctor/check-config.ts'
import { checkIdentityProvider } from '../doctor/check-identity-provider.ts'
import { formatFindings, hasErrors, type Finding } from '../doctor/finding.ts'
import { probeDeployment } from '../doctor/probe-deployment.ts'
import { EXIT, UsageError, parseCommandArgs } from './command-line.ts'

const HELP = `Usage: coatcheck doctor [--config <file>] [--url <https://deployment>] [--json] [--offline]

Checks a configuration against the OAuth browser-app BCP, and probes a live deployment from
outside. Each finding has a severity, a requirement ID (REQUIREMENTS.md) and the fix.

Options:
  -c, --config <file>   Configuration to check (as for \`coatcheck start\`); its identity
                        provider's discovery document is fetched and checked too
  -u, --url <url>       Probe this running deployment: login cookies and headers, the
                        anti-CSRF header, CORS for a foreign origin, \`returnTo\` open redirects
      --offline         Do not fetch the identity provider's discovery document
      --json            Print the findings as JSON: { "ok": boolean, "findings": [...] }
  -h, --help            Show this help

Exit codes: 0 no errors (warnings allowed), 1 at least one error or the deployment cannot be
reached, 2 usage error, 78 the configuration is invalid.
`

/** `coatcheck doctor`: static checks of a configuration and probes of a deployment. */
export async function runDoctor(args: string[]): Promise<number> {
  const values = parseCommandArgs('doctor', args, {
    config: { type: 'string', short: 'c' },
    url: { type: 'string', short: 'u' },
    offline: { type: 'boolean' },
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  })
  if (values.help) {
    process.stdout.write(HELP)
    return EXIT.ok
  }
  if (values.config === undefined && values.url === undefined) {
    throw new UsageError('`coatcheck doctor` needs --config <file>, --url <url> or both.')
  }
  if (values.url !== undefined && !/^https?:\/\/[^/]/.test(values.url)) {
    throw new UsageError(`--url must be an http(s) URL, not "${values.url}".`)
  }
  const config =
    values.config === undefined ? undefined : parseConfig(await loadConfigFile(values.config))
  const findings = await diagnose(config, values.url, values.offline === true)

  process.stdout.write(
    values.json
      ? `${JSON.stringify({ ok: !hasErrors(findings), findings }, null, 2)}\n`
      : formatFindings(findings),
  )
  return hasErrors(findings) ? EXIT.failure : EXIT.ok
}

async function diagnose(
  config: CoatcheckConfig | undefined,
  url: string | undefined,
  offline: boolean,
): Promise<Finding[]> {
  const findings: Finding[] = []
  if (config) {
    findings.push(...checkConfig(config))
    if (!offline) findings.push(...(await checkIdentityProvider(config)))
  }
  if (url !== undefined) {
    findings.push(
      ...(await probeDeployment({
        url,
        ...(config
          ? {
              basePath: config.basePath,
              csrfHeaderName: config.csrf.headerName,
              csrfHeaderValue: config.csrf.headerValue,
            }
          : {}),
      })),
    )
  }
  return findings
}
