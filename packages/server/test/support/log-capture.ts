import { Writable } from 'node:stream'
import { createLogger, type Logger } from '../../src/index.ts'

/** A logger whose JSON lines are kept in memory, parsed, for assertions. */
export interface CapturedLogs {
  readonly logger: Logger
  readonly lines: Record<string, unknown>[]
  /** Every line as written, for secret sweeps. */
  text(): string
}

/** Captures the lines of a `debug`-level logger that knows `secrets`. */
export function captureLogs(secrets: string[] = []): CapturedLogs {
  const raw: string[] = []
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      raw.push(String(chunk))
      done()
    },
  })
  const logger = createLogger({ level: 'debug', secrets, destination })
  return {
    logger,
    get lines() {
      return raw.map((line) => JSON.parse(line) as Record<string, unknown>)
    },
    text: () => raw.join(''),
  }
}
