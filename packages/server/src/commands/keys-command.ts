import { createHash, generateKeyPairSync } from 'node:crypto'
import { writeFile } from 'node:fs/promises'
import { parseConfig } from '@coatcheck/core'
import { loadConfigFile } from '../config-file.ts'
import { EXIT, UsageError, parseSubcommandArgs } from './command-line.ts'
import { randomKey } from './dev-config.ts'

const HELP = `Usage: coatcheck keys generate [--out <file>]
       coatcheck keys rotate --config <file> [--out <file>]

Makes the secrets Coatcheck needs and prints the configuration lines to paste. Secrets go to
standard output only, unless --out names a file (created with mode 600, never overwritten).

Commands:
  generate   A new cookie sealing key (\`keys\`) and a DPoP private key (\`dpop.privateKey\`)
  rotate     The configuration's \`keys\` list with a new key first; the old keys stay, so
             cookies sealed with them still open, until they can be dropped

Options:
  -c, --config <file>   The configuration whose keys to rotate (\${VARS} are substituted)
  -o, --out <file>      Write the output to this new file instead of standard output
  -h, --help            Show this help
`

/** `coatcheck keys generate|rotate`. */
export async function runKeys(args: string[]): Promise<number> {
  const { subcommand, values } = parseSubcommandArgs('keys', args, ['generate', 'rotate'], {
    config: { type: 'string', short: 'c' },
    out: { type: 'string', short: 'o' },
    help: { type: 'boolean', short: 'h' },
  })
  if (values.help) {
    process.stdout.write(HELP)
    return EXIT.ok
  }
  if (subcommand === undefined) {
    throw new UsageError('Use `coatcheck keys generate` or `coatcheck keys rotate`.')
  }
  let text: string
  if (subcommand === 'generate') {
    text = generate()
  } else if (values.config === undefined) {
    throw new UsageError('`coatcheck keys rotate` needs --config <file>.')
  } else {
    text = await rotate(values.config)
  }
  if (values.out === undefined) {
    process.stdout.write(text)
  } else {
    // `wx`: an existing file (an older key, perhaps) is never replaced by accident.
    await writeFile(values.out, text, { mode: 0o600, flag: 'wx' })
    console.log(`Wrote ${values.out} (mode 600). It holds secrets: move them to your secret store.`)
  }
  return EXIT.ok
}

function generate(): string {
  const key = randomKey()
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  const jwk = privateKey.export({ format: 'jwk' })
  return `# Cookie sealing key: store it as a secret, e.g. COATCHECK_KEY
${key}

# DPoP private key (JWK, EC P-256): store \`d\` as a secret, e.g. COATCHECK_DPOP_D
${JSON.stringify({ kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y, d: jwk.d })}

# Configuration lines (secrets read from the environment):
keys:
  - \${COATCHECK_KEY}
dpop:
  privateKey:
    kty: EC
    crv: P-256
    x: ${jwk.x}
    y: ${jwk.y}
    d: \${COATCHECK_DPOP_D}
`
}

async function rotate(file: string): Promise<string> {
  const config = parseConfig(await loadConfigFile(file))
  const fresh = randomKey()
  const hours = Math.ceil(config.session.absoluteTimeoutSeconds / 3600)
  return `# New \`keys\` list: the first key seals new cookies; the others still open cookies
# sealed before the rotation. Deploy it to every instance.
keys:
${[fresh, ...config.keys].map((key) => `  - ${key}`).join('\n')}

# Drop ${config.keys.map(fingerprint).join(', ')} (the old key${config.keys.length > 1 ? 's' : ''}, by SHA-256 prefix) once
# every instance runs this list and session.absoluteTimeoutSeconds (${config.session.absoluteTimeoutSeconds} s, about ${hours} h)
# has passed: no session cookie sealed with ${config.keys.length > 1 ? 'them' : 'it'} is still valid by then.
`
}

/** A short, non-secret name for a key. */
function fingerprint(key: string): string {
  return `sha256:${createHash('sha256').update(key).digest('hex').slice(0, 12)}`
}
