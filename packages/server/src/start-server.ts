import type { AddressInfo } from 'node:net'
import {
  createCoatcheck,
  parseConfig,
  type Coatcheck,
  type CoatcheckConfig,
  type SessionStore,
} from '@coatcheck/core'
import { createDeferred } from './internal/deferred.ts'
import { createHttpServer, type HttpServer, type ServerTimeouts } from './internal/http-server.ts'
import { INTERNAL_ERROR, sendJson } from './internal/send-response.ts'
import { createGatewayListener, type GatewayListener } from './gateway-listener.ts'
import { createStoreFromConfig } from './create-store.ts'
import type { HealthOptions } from './health.ts'

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
}

/** A running gateway. */
export interface StartServerResult {
  /** Where it listens, e.g. `http://127.0.0.1:8080` (not the public URL). */
  readonly url: string
  readonly port: number
  readonly coatcheck: Coatcheck
  /**
   * Stops accepting, ends WebSocket connections at once, finishes in-flight requests (up to
   * `shutdownGraceMs`), then closes the upstream pools and Coatcheck. Idempotent.
   */
  close(): Promise<void>
}

/**
 * Starts the standalone gateway: validates the configuration, binds the port, waits for the
 * identity provider's metadata, then serves. Requests that arrive during start-up wait for it.
 *
 * @throws ConfigError for a bad configuration; an `Error` naming the port when it cannot be
 * bound, or the identity provider when it cannot be reached.
 */
export async function startServer(options: StartServerOptions): Promise<StartServerResult> {
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
  try {
    const config =
      earlyConfig ??
      toParsedConfig(await (configSource as (address: ListenAddress) => unknown)(address))
    store = await createStoreFromConfig(config)
    coatcheck = createCoatcheck(config, {
      ...(store ? { store } : {}),
      ...(options.onError ? { onError: options.onError } : {}),
    })
    await coatcheck.ready()
  } catch (error) {
    started.reject(error)
    await http.close(0)
    // Closing Coatcheck closes the store it was given.
    await (coatcheck ? coatcheck.close() : store?.close())
    throw error
  }
  const running = coatcheck
  const gateway = createGatewayListener(running, {
    ...(options.trustProxy === undefined ? {} : { trustProxy: options.trustProxy }),
    ...(options.onError ? { onError: options.onError } : {}),
    health: options.health === false ? false : { ...options.health, store },
  })
  ready = gateway
  started.resolve(gateway)

  const graceMs = options.shutdownGraceMs ?? 10_000
  let closing: Promise<void> | undefined
  return {
    url: address.url,
    port: address.port,
    coatcheck: running,
    close() {
      closing ??= Promise.all([http.close(graceMs), gateway.close()]).then(() => running.close())
      return closing
    },
  }
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
