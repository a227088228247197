import { relative } from 'node:path'
import { pino, type DestinationStream, type Logger } from 'pino'
import { REDACTED, REDACT_PATHS, createScrubber } from './redact.ts'

export type { Logger }

/** Log levels of the `logging.level` option. */
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'silent'

/** Options of {@link createLogger}. */
export interface CreateLoggerOptions {
  /** Default `info`. */
  level?: LogLevel
  /** Values removed wherever they appear: the client secret, cookie keys (see `collectSecrets`). */
  secrets?: Iterable<string>
  /** Where lines go. Default: standard output. */
  destination?: DestinationStream
}

/**
 * A pino logger that writes one JSON object per line, with the redaction layer on every
 * line: header paths are blanked by pino, and every logged object passes the scrubber
 * (secret property names, JWT-shaped strings, configured secret values) first (G-05).
 */
export function createLogger(options: CreateLoggerOptions = {}): Logger {
  const scrub = createScrubber(options.secrets)
  return pino(
    {
      level: options.level ?? 'info',
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: REDACT_PATHS, censor: REDACTED },
      formatters: {
        level: (label) => ({ level: label }),
        log: (object) => scrub(object) as Record<string, unknown>,
      },
    },
    // Synchronous: a line logged just before `process.exit` is not lost.
    options.destination ?? pino.destination({ dest: 1, sync: true }),
  )
}

/**
 * The logger of a gateway that was given none: silent, as a library should be, unless the
 * `COATCHECK_LOG_FILE` environment variable names a file; then every gateway of the process
 * appends its lines there (the test suite's log sweep reads that file). Each line then also
 * names the process's entry script, so a finding points at the test file that caused it.
 */
export function createDefaultLogger(secrets?: Iterable<string>): Logger {
  const file = process.env['COATCHECK_LOG_FILE']
  if (!file) return pino({ level: 'silent' })
  const logger = createLogger({
    level: 'debug',
    ...(secrets ? { secrets } : {}),
    destination: sharedFileDestination(file),
  })
  const entry = process.argv[1]
  return entry ? logger.child({ entry: relative(process.cwd(), entry) }) : logger
}

const fileDestinations = new Map<string, DestinationStream>()

// One synchronous append-mode descriptor per file and process: each line is one write(2) with
// O_APPEND, so lines of concurrent test processes never interleave.
function sharedFileDestination(file: string): DestinationStream {
  let destination = fileDestinations.get(file)
  if (!destination) {
    destination = pino.destination({ dest: file, append: true, sync: true, mkdir: true })
    fileDestinations.set(file, destination)
  }
  return destination
}
