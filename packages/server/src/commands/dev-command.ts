import { buildClientRegistration, parseConfig } from '@coatcheck/core'
// Types only: the package itself is loaded on demand, so `coatcheck start` works without it.
import type * as DevIdpModule from '@coatcheck/dev-idp'
import { ConfigFileError, loadConfigFile } from '../config-file.ts'
import { startServer } from '../start-server.ts'
import {
  EXIT,
  createStdoutLogger,
  parseCommandArgs,
  parsePort,
  untilStopSignal,
} from './command-line.ts'
import { buildDevApis, buildDevConfig } from './dev-config.ts'

const HELP = `Usage: coatcheck dev [--config <file>] [--port <n>] [--host <address>] [--idp-port <n>]
                     [--spa-url <url>]

Runs Coatcheck with a development identity provider, for local work. Never in production:
it sets \`environment: development\` (http allowed) and generates throw-away keys.

Options:
  -c, --config <file>   Optional YAML or JSON configuration; its \`idp.issuer\` is replaced by the
                        development identity provider's
  -p, --port <n>        Coatcheck's port (default 8080; 0 picks a free one)
      --host <address>  Interface to bind (default 127.0.0.1)
      --idp-port <n>    The development identity provider's port (default 9000)
      --spa-url <url>   The SPA, when the configuration has no \`spa\` (default
                        http://localhost:5173/)
  -h, --help            Show this help

Seeded users: alice / wonderland, bob / builder, carol / marvel.
`

/** `coatcheck dev`: a development identity provider plus Coatcheck, until SIGINT or SIGTERM. */
export async function runDev(args: string[]): Promise<number> {
  const values = parseCommandArgs('dev', args, {
    config: { type: 'string', short: 'c' },
    port: { type: 'string', short: 'p' },
    host: { type: 'string' },
    'idp-port': { type: 'string' },
    'spa-url': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  })
  if (values.help) {
    process.stdout.write(HELP)
    return EXIT.ok
  }
  const port = parsePort('--port', values.port, 8080)
  const idpPort = parsePort('--idp-port', values['idp-port'], 9000)
  const host = values.host ?? '127.0.0.1'
  const raw = values.config === undefined ? {} : await loadObject(values.config)
  const { startDevIdp } = await importDevIdp()

  const idp = await startDevIdp({ port: idpPort, host, apis: buildDevApis(raw) })
  try {
    const server = await startServer({
      port,
      host,
      logger: createStdoutLogger,
      config: async ({ port: boundPort }: { port: number }) => {
        const config = parseConfig(
          buildDevConfig(raw, {
            issuer: idp.issuer,
            publicUrl: `http://localhost:${boundPort}`,
            spaUrl: values['spa-url'] ?? 'http://localhost:5173/',
          }),
        )
        await idp.registerClient(buildClientRegistration(config))
        return config
      },
    })
    // Listen for the stop signal before announcing: whoever reads the announcement may send it.
    const stopSignal = untilStopSignal()
    const { config } = server.coatcheck
    console.log(
      [
        `Coatcheck (development) listening on ${server.url}, public URL ${config.publicUrl}`,
        `Development identity provider: ${idp.issuer}`,
        `SPA: ${config.spa.url}`,
        'Sign in as alice / wonderland, bob / builder or carol / marvel.',
      ].join('\n'),
    )
    await stopSignal
    console.log('Stopping…')
    await server.close()
  } finally {
    await idp.close()
  }
  return EXIT.ok
}

async function loadObject(file: string): Promise<Record<string, unknown>> {
  const raw = await loadConfigFile(file)
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new ConfigFileError(file, [{ path: '(file)', message: 'must hold a mapping of options' }])
  }
  return raw as Record<string, unknown>
}

async function importDevIdp(): Promise<typeof DevIdpModule> {
  try {
    return await import('@coatcheck/dev-idp')
  } catch (cause) {
    const missing =
      (cause as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND' &&
      String((cause as Error).message).includes("'@coatcheck/dev-idp'")
    if (!missing) throw cause
    throw new Error(
      '`coatcheck dev` needs the development identity provider, which is not installed; ' +
        'run `npm install --save-dev @coatcheck/dev-idp`.',
      { cause },
    )
  }
}
