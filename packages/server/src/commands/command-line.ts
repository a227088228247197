import { parseArgs, type ParseArgsOptionsConfig } from 'node:util'
import type { CoatcheckConfig } from '@coatcheck/core'
import { createLogger, type Logger } from '../logging/create-logger.ts'
import { collectSecrets } from '../logging/redact.ts'

/** Exit codes of the `coatcheck` CLI (sysexits.h where one fits). */
export const EXIT = {
  ok: 0,
  /** Start-up or runtime failure: port in use, identity provider unreachable. */
  failure: 1,
  /** Bad command line. */
  usage: 2,
  /** EX_CONFIG: the configuration (file, variables or options) cannot work. */
  config: 78,
} as const

/** A bad command line; the CLI prints the message and exits with {@link EXIT.usage}. */
export class UsageError extends Error {
  override readonly name = 'UsageError'
}

/** Parses a command's arguments strictly: unknown flags and stray words are usage errors. */
export function parseCommandArgs<T extends ParseArgsOptionsConfig>(
  command: string,
  args: string[],
  options: T,
) {
  try {
    return parseArgs({ args, options, strict: true, allowPositionals: false }).values
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error)
    throw new UsageError(`${message}. Run \`coatcheck ${command} --help\` for usage.`)
  }
}

/**
 * Parses `<command> <subcommand> [flags]`, e.g. `keys rotate --config x.yaml`. The
 * subcommand is `undefined` when the first word is a flag (`keys --help`); an unknown one is
 * a usage error once `--help` has had its chance.
 */
export function parseSubcommandArgs<S extends string, T extends ParseArgsOptionsConfig>(
  command: string,
  args: string[],
  subcommands: readonly S[],
  options: T,
) {
  const [first, ...rest] = args
  const named = first !== undefined && !first.startsWith('-')
  const values = parseCommandArgs(command, named ? rest : args, options)
  const subcommand = subcommands.find((name) => name === first)
  if (named && subcommand === undefined) {
    throw new UsageError(
      `Unknown \`${command}\` command "${first}"; use ${subcommands.join(' or ')}.`,
    )
  }
  return { subcommand, values }
}

/** A TCP port from a flag; `0` picks a free port. */
export function parsePort(flag: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback
  const port = Number(value)
  if (!/^\d{1,5}$/.test(value) || port > 65_535) {
    throw new UsageError(`${flag} must be a port number from 0 to 65535, not "${value}".`)
  }
  return port
}

/** Seconds from `--shutdown-timeout` as milliseconds; default 25 s, under Kubernetes' 30 s. */
export function parseShutdownTimeout(value: string | undefined): number {
  if (value === undefined) return 25_000
  const seconds = Number(value)
  if (!/^\d+(\.\d+)?$/.test(value) || seconds > 3600) {
    throw new UsageError(
      `--shutdown-timeout must be a number of seconds up to 3600, not "${value}".`,
    )
  }
  return seconds * 1000
}

/** JSON log lines on standard output at `logging.level`, the configuration's secrets redacted. */
export function createStdoutLogger(config: CoatcheckConfig): Logger {
  return createLogger({ level: config.logging.level, secrets: collectSecrets(config) })
}

/**
 * Resolves on the first SIGINT or SIGTERM, so the caller can shut down gracefully. A second
 * signal while it does means "now": the process exits at once.
 */
export function untilStopSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      process.off('SIGINT', stop)
      process.off('SIGTERM', stop)
      process.once('SIGINT', () => process.exit(130))
      process.once('SIGTERM', () => process.exit(143))
      resolve(signal)
    }
    process.on('SIGINT', stop)
    process.on('SIGTERM', stop)
  })
}
