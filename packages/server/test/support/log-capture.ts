import { appendFileSync } from 'node:fs'
import { relative } from 'node:path'
import { Writable } from 'node:stream'
import { createLogger, type Logger } from '../../src/index.ts'

/** A logger whose JSON lines are kept in memory, parsed, for assertions. */
export interface CapturedLogs {
  readonly logger: Logger
  readonly lines: Record<string, unknown>[]
  /** Every line as written, for secret sweeps. */
  text(): string
}

/**
 * Captures the lines of a `debug`-level logger that knows `secrets`. When the test run's log
 * sweep is on (`COATCHECK_LOG_FILE`), the lines are appended there too.
 */
export function captureLogs(secrets: string[] = []): CapturedLogs {
  const raw: string[] = []
  const sweepFile = process.env['COATCHECK_LOG_FILE']
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      raw.push(String(chunk))
      if (sweepFile) appendFileSync(sweepFile, chunk)
      done()
    },
  })
  const entry = relative(process.cwd(), process.argv[1] ?? '')
  const logger = createLogger({ level: 'debug', secrets, destination }).child({ entry })
  return {
    logger,
    get lines() {
      return raw.map((line) => JSON.parse(line) as Record<string, unknown>)
    },
    text: () => raw.join(''),
  }
}
