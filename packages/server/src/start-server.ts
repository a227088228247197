import type { AddressInfo } from 'node:net'
import {
  createCoatcheck,
  parseConfig,
  type Coatcheck,
  type CoatcheckConfig,
  type CoatcheckEvent,
  type SessionStore,
} from '@coatcheck/core'
import type { Logger } from 'pino'
import { createDeferred } from './internal/deferred.ts'
import { createHttpServer, type HttpServer, type ServerTimeouts } from './internal/http-server.ts'
import { INTERNAL_ERROR, sendJson } from './internal/send-response.ts'
import { createGatewayListener, type GatewayListener } from './gateway-listener.ts'
import { createStoreFromConfig } from './create-store.ts'
import { nodeAesGcm } from './node-aes-gcm.ts'
import type { HealthOptions } from './health.ts'
import { createDefaultLogger } from './logging/create-logger.ts'
import { logEvent } from './logging/log-event.ts'
import { collectSecrets } from './logging/redact.ts'
import { startMetricsServer, type MetricsServer } from './metrics/metrics-server.ts'
import { tuneGarbageCollector } from './tune-garbage-collector.ts'

export type { ServerTimeouts }

/** Where the server listens, as bound. */
export interface ListenAddress {
  /** `http://<address>:<port>`, e.g. `http://127.0.0.1:8080`. */
  url: string
  port: number
}

/** Options of {@link startServer}. */
export interface StartServerOptions {
  /**
   * The configuration: raw input (validated here) or the result of `parseConfig`. A function
   * is called with the bound address first, for when the port is `0` or `publicUrl` depends
   * on it (`coatcheck dev`).
   */
  config: unknown
  /** TCP port; `0` picks a free one. Default 8080. */
  port?: number
  /** Interface to bind. Default `127.0.0.1`: exposing Coatcheck takes a deliberate `0.0.0.0`. */
  host?: string
  /** See `GatewayListenerOptions.trustProxy`. */
  trustProxy?: boolean
  timeouts?: ServerTimeouts
  /** Largest request head, in bytes. Default 16 KiB. */
  maxHeaderSize?: number
  /** How long `close()` waits for in-flight requests before cutting them. Default 10 000 ms. */
  shutdownGraceMs?: number
  /** Receives every error that became a 5xx response. Default: `console.error`. */
  onError?: (error: unknown) => void
  /** Paths and timeouts of `/healthz` and `/readyz`; `false` serves neither. */
  health?: Omit<HealthOptions, 'store'> | false
  /**
   * Where request lines, security events and errors go (see `createLogger`), or a function
   * that builds the logger from the validated configuration (`coatcheck start` writes JSON
   * to standard output at `logging.level`). Default: silent, unless `COATCHECK_LOG_FILE` is set.
   */
  logger?: Logger | ((config: CoatcheckConfig) => Logger)
}

/** How a shutdown went. */
export interface ShutdownResult {
  /** `true` when the deadline cut requests, streams or WebSockets short. */
  forced: boolean
}

/** A running gateway. */
export interface StartServerResult {
  /** Where it listens, e.g. `http://127.0.0.1:8080` (not the public URL). */
  readonly url: string
  readonly port: number
  readonly coatcheck: Coatcheck
  /**
   * The metrics port, when `metrics.port` is configured: `http://<address>:<port>/metrics`.
   * With `metrics.path` instead, metrics are on the main port.
   */
  readonly metricsUrl?: string
  /**
   * Stops accepting, ends event streams, sends WebSockets a close frame 1001, finishes
   * in-flight requests (up to `shutdownGraceMs`, then cuts them), then closes the upstream
   * pools, the metrics port and Coatcheck (its store). Idempotent.
   */
  close(): Promise<ShutdownResult>
}

/**
 * Starts the standalone gateway: validates the configuration, binds the port, waits for the
 * identity provider's metadata, then serves. Requests that arrive during start-up wait for it.
 * Turns off V8's allocation-site pretenuring for the process ({@link tuneGarbageCollector}).
 *
 * @throws ConfigError for a bad configuration; an `Error` naming the port when it cannot be
 * bound, or the identity provider when it cannot be reached.
 */
export async function startServer(options: StartServerOptions): Promise<StartServerResult> {
  tuneGarbageCollector()
  const port = options.port ?? 8080
  const host = options.host ?? '127.0.0.1'
  const configSource = options.config
  // Validate a plain configuration before binding anything.
  const earlyConfig = typeof configSource === 'function' ? undefined : toParsedConfig(configSource)

  // Requests and handshakes that arrive during start-up wait for the gateway.
  const started = createDeferred<GatewayListener>()
  let ready: GatewayListener | undefined = undefined
  const http = createHttpServer(
    (req, res) => {
      if (ready) return ready(req, res)
      void started.promise.then(
        (gateway) => gateway(req, res),
        () => sendJson(res, 500, INTERNAL_ERROR),
      )
    },
    {
      ...(options.timeouts ? { timeouts: options.timeouts } : {}),
      ...(options.maxHeaderSize === undefined ? {} : { maxHeaderSize: options.maxHeaderSize }),
      upgrade: (req, socket, head) => {
        if (ready) return ready.upgrade(req, socket, head)
        void started.promise.then(
          (gateway) => gateway.upgrade(req, socket, head),
          () => socket.destroy(),
        )
      },
    },
  )
  const address = toListenAddress(await bind(http, port, host))

  let coatcheck: Coatcheck | undefined
  let store: SessionStore | undefined
  let metricsServer: MetricsServer | undefined
  let logger: Logger
  // Built last: a bad `spa.static` fails here, and the port and store are released below.
  let gateway: GatewayListener
  try {
    const config =
      earlyConfig ??
      toParsedConfig(await (configSource as (address: ListenAddress) => unknown)(address))
    logger = toLogger(options.logger, config)
    const { metrics: metricsConfig } = config
    if (metricsConfig.port !== undefined || metricsConfig.path !== undefined) {
      metricsServer = await startMetricsServer(metricsConfig.port, host)
    }
    const metrics = metricsServer?.metrics
    const onEvent = (event: CoatcheckEvent) => {
      logEvent(logger, event)
      metrics?.record(event)
    }
    store = await createStoreFromConfig(config)
    coatcheck = createCoatcheck(config, {
      onEvent,
      aesGcm: nodeAesGcm,
      ...(store ? { store } : {}),
      ...(options.onError ? { onError: options.onError } : {}),
    })
    await coatcheck.ready()
    const metricsPath = config.metrics.path
    gateway = createGatewayListener(coatcheck, {
      ...(options.trustProxy === undefined ? {} : { trustProxy: options.trustProxy }),
      ...(options.onError ? { onError: options.onError } : {}),
      health: options.health === false ? false : { ...options.health, store },
      logger,
      store,
      ...(metrics ? { metrics } : {}),
      ...(metrics && metricsPath && config.metrics.port === undefined ? { metricsPath } : {}),
    })
  } catch (error) {
    started.reject(error)
    await http.close(0)
    await metricsServer?.close()
    // Closing Coatcheck closes the store it was given.
    await (coatcheck ? coatcheck.close() : store?.close())
    throw error
  }
  const running = coatcheck
  gateway.serveConnections(http.server)
  ready = gateway
  started.resolve(gateway)

  const graceMs = options.shutdownGraceMs ?? 10_000
  let closing: Promise<ShutdownResult> | undefined
  const shutdown = async (): Promise<ShutdownResult> => {
    logger.info({ graceMs }, 'shutting down')
    const cuts = await Promise.all([http.close(graceMs), gateway.close(graceMs)])
    const forced = cuts.includes(true)
    await metricsServer?.close()
    await running.close()
    logger.info({ forced }, 'stopped')
    return { forced }
  }
  return {
    url: address.url,
    port: address.port,
    coatcheck: running,
    ...(metricsServer?.url ? { metricsUrl: metricsServer.url } : {}),
    close: () => (closing ??= shutdown()),
  }
}

function toLogger(option: StartServerOptions['logger'], config: CoatcheckConfig): Logger {
  if (typeof option === 'function') return option(config)
  return option ?? createDefaultLogger(collectSecrets(config))
}

function toParsedConfig(input: unknown): CoatcheckConfig {
  return isParsedConfig(input) ? input : parseConfig(input)
}

// `parseConfig` returns a frozen object with the derived URLs; parsing it again would fail on
// those extra keys, so it is passed through.
function isParsedConfig(input: unknown): input is CoatcheckConfig {
  return (
    typeof input === 'object' && input !== null && Object.isFrozen(input) && 'redirectUri' in input
  )
}

async function bind(http: HttpServer, port: number, host: string): Promise<AddressInfo> {
  try {
    return await http.listen(port, host)
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code
    const reason =
      code === 'EADDRINUSE'
        ? 'the port is already in use; stop the other process or choose another port'
        : code === 'EACCES'
          ? 'permission denied (ports below 1024 need privileges); choose a port above 1024'
          : code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND'
            ? 'no such interface on this machine; check the host'
            : `the system refused (${code ?? String(cause)})`
    throw new Error(`Cannot listen on ${host}:${port}: ${reason}.`, { cause })
  }
}

function toListenAddress(address: AddressInfo): ListenAddress {
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address
  return { url: `http://${host}:${address.port}`, port: address.port }
}
