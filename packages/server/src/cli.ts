#!/usr/bin/env node
// The `coatcheck` command. Every failure ends here and becomes one message and one exit
// code (see EXIT); configuration problems print the option paths and fixes, no stack trace.
import { ConfigError } from '@coatcheck/core'
import packageJson from '../package.json' with { type: 'json' }
import { EXIT, UsageError } from './commands/command-line.ts'
import { runDev } from './commands/dev-command.ts'
import { runDoctor } from './commands/doctor-command.ts'
import { runKeys } from './commands/keys-command.ts'
import { runStart } from './commands/start-command.ts'
import { ConfigFileError } from './config-file.ts'

const HELP = `Usage: coatcheck <command> [options]

Keeps OAuth tokens out of the browser: a Backend-for-Frontend gateway.

Commands:
  start   Run the gateway from a configuration file
  dev     Run the gateway with a development identity provider
  doctor  Check a configuration and a live deployment against the OAuth browser-app BCP
  keys    Generate or rotate the cookie sealing key and the DPoP key

Options:
  -h, --help     Show this help; \`coatcheck <command> --help\` shows a command's options
  -v, --version  Print the version

Exit codes: 0 ok, 1 runtime failure or doctor errors, 2 usage error, 78 configuration error.
See docs/cli.md.
`

async function main(argv: string[]): Promise<number> {
  const [command, ...args] = argv
  switch (command) {
    case 'start':
      return runStart(args)
    case 'dev':
      return runDev(args)
    case 'doctor':
      return runDoctor(args)
    case 'keys':
      return runKeys(args)
    case '-h':
    case '--help':
    case 'help':
      process.stdout.write(HELP)
      return EXIT.ok
    case '-v':
    case '--version':
      console.log(packageJson.version)
      return EXIT.ok
    case undefined:
      process.stderr.write(HELP)
      return EXIT.usage
    default:
      throw new UsageError(`Unknown command "${command}". Run \`coatcheck --help\`.`)
  }
}

function report(error: unknown): number {
  if (error instanceof ConfigError || error instanceof ConfigFileError) {
    console.error(error.message)
    return EXIT.config
  }
  if (error instanceof UsageError) {
    console.error(`coatcheck: ${error.message}`)
    return EXIT.usage
  }
  console.error(`coatcheck: ${describe(error)}`)
  return EXIT.failure
}

// Message and causes, no stack: what an operator needs to act on, and nothing more.
function describe(error: unknown): string {
  const parts: string[] = []
  for (let current = error, depth = 0; current !== undefined && depth < 4; depth++) {
    parts.push(current instanceof Error ? current.message : String(current))
    current = current instanceof Error ? current.cause : undefined
  }
  return parts.join('\n  caused by: ')
}

process.exit(await main(process.argv.slice(2)).catch(report))
