import { dirname, isAbsolute, resolve } from 'node:path'
import { parseConfig, type CoatcheckConfig } from '@coatcheck/core'
import { loadConfigFile } from '../config-file.ts'
import { startServer } from '../start-server.ts'
import {
  EXIT,
  UsageError,
  createStdoutLogger,
  parseCommandArgs,
  parsePort,
  parseShutdownTimeout,
  untilStopSignal,
} from './command-line.ts'

const HELP = `Usage: coatcheck start --config <file> [--port <n>] [--host <address>] [--trust-proxy]
                       [--shutdown-timeout <seconds>]

Runs the Coatcheck gateway from a configuration file. Without \`session.store\` in it,
sessions are kept in an SQLite file (\`session.sqlite.path\`, default coatcheck-sessions.db
next to the configuration file) so they survive restarts. Health: GET /healthz, /readyz.

Options:
  -c, --config <file>   YAML (.yaml, .yml) or JSON (.json) configuration. \${NAME} and
                        \${NAME:-default} in its values are read from the environment.
  -p, --port <n>        TCP port to listen on (default 8080; 0 picks a free one)
      --host <address>  Interface to bind (default 127.0.0.1; 0.0.0.0 for every interface)
      --trust-proxy     Take request URLs from X-Forwarded-Proto and X-Forwarded-Host
                        (only behind a proxy you run that sets both)
      --shutdown-timeout <seconds>
                        On SIGTERM or SIGINT, how long in-flight requests, downloads and
                        streams may take to finish before they are cut (default 25). Exits 0
                        when everything finished, 1 when the deadline cut something.
  -h, --help            Show this help
`

/** `coatcheck start`: load, validate, serve until SIGINT or SIGTERM. */
export async function runStart(args: string[]): Promise<number> {
  const values = parseCommandArgs('start', args, {
    config: { type: 'string', short: 'c' },
    port: { type: 'string', short: 'p' },
    host: { type: 'string' },
    'trust-proxy': { type: 'boolean' },
    'shutdown-timeout': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  })
  if (values.help) {
    process.stdout.write(HELP)
    return EXIT.ok
  }
  if (values.config === undefined) {
    throw new UsageError('`coatcheck start` needs --config <file>. Run `coatcheck start --help`.')
  }
  const port = parsePort('--port', values.port, 8080)
  const shutdownGraceMs = parseShutdownTimeout(values['shutdown-timeout'])
  const config = parseConfig(withStartDefaults(await loadConfigFile(values.config), values.config))
  // Logs are JSON lines on standard output from here on, the announcements included.
  const logger = createStdoutLogger(config)
  const server = await startServer({
    config,
    port,
    host: values.host ?? '127.0.0.1',
    trustProxy: values['trust-proxy'] ?? false,
    shutdownGraceMs,
    logger,
  })
  // Listen for the stop signal before announcing: whoever reads the announcement may send it.
  const stopSignal = untilStopSignal()
  const { url, metricsUrl } = server
  logger.info(
    { url, publicUrl: config.publicUrl, ...(metricsUrl ? { metricsUrl } : {}) },
    `Coatcheck listening on ${url} (public URL ${config.publicUrl})`,
  )
  logger.info({ store: config.session.store }, describeStore(config))
  const signal = await stopSignal
  logger.info({ signal }, 'stopping: finishing in-flight requests and streams')
  const { forced } = await server.close()
  logger.flush()
  return forced ? EXIT.failure : EXIT.ok
}

/**
 * `coatcheck start` keeps sessions across restarts unless told otherwise: without
 * `session.store` it uses SQLite. A relative `session.sqlite.path` is resolved against the
 * config file's directory, so the database does not move with the working directory.
 */
export function withStartDefaults(raw: unknown, configFile: string): unknown {
  if (!isRecord(raw)) return raw
  const session = isRecord(raw['session']) ? raw['session'] : {}
  const sqlite = isRecord(session['sqlite']) ? session['sqlite'] : {}
  const path = sqlite['path'] ?? 'coatcheck-sessions.db'
  return {
    ...raw,
    session: {
      ...session,
      store: session['store'] ?? 'sqlite',
      sqlite: {
        ...sqlite,
        path:
          typeof path === 'string' && path !== '' && !isAbsolute(path)
            ? resolve(dirname(resolve(configFile)), path)
            : path,
      },
    },
  }
}

function describeStore(config: CoatcheckConfig): string {
  const { session } = config
  switch (session.store) {
    case 'sqlite':
      return `Sessions: SQLite file ${session.sqlite.path}`
    case 'redis':
      return `Sessions: Redis (${session.redis?.mode ?? 'standalone'}), key prefix ${session.redis?.keyPrefix ?? ''}`
    case 'memory':
      return 'Sessions: in memory (lost on restart)'
    case 'cookie':
      return 'Sessions: sealed in cookies'
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}
