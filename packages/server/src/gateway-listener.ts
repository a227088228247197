import { maxHeaderSize, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { Socket } from 'node:net'
import { isReplayable, type Coatcheck, type SessionStore } from '@coatcheck/core'
import type { Logger } from 'pino'
import { Agent } from 'undici'
import { createHttpProxy } from './internal/http-proxy.ts'
import { hasRequestBody, toRequestHead } from './internal/node-request-head.ts'
import { BAD_REQUEST, INTERNAL_ERROR, sendJson, sendResponse } from './internal/send-response.ts'
import { createUpgradeProxy, type UpgradeListener } from './internal/upgrade-proxy.ts'
import { createDefaultLogger } from './logging/create-logger.ts'
import { logError } from './logging/log-event.ts'
import { collectSecrets } from './logging/redact.ts'
import { createRequestObserver } from './logging/request-log.ts'
import { createRouteLabeler } from './logging/route-label.ts'
import type { GatewayMetrics } from './metrics/gateway-metrics.ts'
import { sendMetrics } from './metrics/metrics-endpoint.ts'
import { createNodeListener } from './node-adapter.ts'
import { createHealthEndpoints, healthPaths, type HealthOptions } from './health.ts'
import { createUpstreamPool } from './internal/wire/upstream-pool.ts'
import { createWireFront, type WireFront } from './internal/wire/wire-front.ts'
import { createSpaStatic } from './spa/spa-static.ts'

export type { UpgradeListener }

/** Options of {@link createGatewayListener}. */
export interface GatewayListenerOptions {
  /**
   * Behind a proxy you run: build request URLs from `X-Forwarded-Proto`/`-Host`, and append
   * the peer address to an incoming `X-Forwarded-For` instead of replacing it.
   */
  trustProxy?: boolean
  /**
   * Receives exceptions, upstream failures (as `CoatcheckError` `upstream_unavailable` or
   * `upstream_timeout`, the undici error as `cause`) and failures while streaming. Never a
   * token: the messages are Coatcheck's and undici's own. Default: `console.error` when no
   * `logger` is given either; errors always go to the logger too.
   */
  onError?: (error: unknown) => void
  /**
   * `/healthz` and `/readyz` outside `basePath` (see `HealthOptions`); `false` serves
   * neither. Default: both, without a store to probe.
   */
  health?: HealthOptions | false
  /**
   * Receives one line per request (id, method, route, status, duration) and every error,
   * redacted (see `createLogger`). Default: silent, as a library should be, unless the
   * `COATCHECK_LOG_FILE` environment variable names a file to append to.
   */
  logger?: Logger
  /** Request, upstream and WebSocket series are recorded here (`createGatewayMetrics`). */
  metrics?: GatewayMetrics
  /**
   * The session store Coatcheck was given: with `metrics`, `coatcheck_sessions_active`
   * counts its live sessions at each scrape. Without it, or for a store without `count`,
   * that gauge is absent.
   */
  store?: SessionStore | undefined
  /** Serve `metrics` at this path of this listener (off by default: metrics are not public). */
  metricsPath?: string
}

/**
 * A `node:http` request listener (`http.createServer(listener)`) with the WebSocket
 * listener for the server's `'upgrade'` event and a `close()` for shutdown.
 */
export interface GatewayListener {
  (req: IncomingMessage, res: ServerResponse): void
  /** Attach with `server.on('upgrade', listener.upgrade)` to proxy WebSockets. */
  readonly upgrade: UpgradeListener
  /**
   * Takes over the connections a plain `node:http` server accepts from now on, and
   * serves API calls without a body straight off the socket: the raw-socket fast path,
   * about twice the calls per CPU second of `node:http` with undici. A connection goes back
   * to `server`, for good, at its first request the fast path does not take (auth
   * endpoints, bodies, WebSockets, anything unusual). The server's `keepAliveTimeout` and
   * `maxHeaderSize` apply to both. Not for a TLS server (`https.createServer`).
   */
  serveConnections(server: Server): void
  /**
   * Starts the shutdown: ends event streams cleanly, sends every WebSocket a close frame 1001
   * (going away) and ends it (cut after `graceMs`, default 10 000), then closes the upstream
   * pools once their in-flight calls are done. Call it when the server stops accepting: an
   * API call that starts afterwards gets 502 JSON. Resolves `true` when the deadline cut
   * API calls on the raw-socket path short (`node:http` reports its own).
   */
  close(graceMs?: number): Promise<boolean>
}

/**
 * Serves Coatcheck from `node:http` with a fast path for API routes: the request is checked
 * from its head (one cookie parse, one store read), then streamed to the upstream through a
 * keep-alive pool per upstream origin (undici), and the answer streamed back without
 * buffering or re-serialising. With `spa.static`, the SPA's files come next. Everything else
 * (auth endpoints, CORS preflights, unknown paths) goes through `coatcheck.handle`.
 *
 * @throws ConfigError when `spa.static` names a folder or entry point that cannot be read.
 */
export function createGatewayListener(
  coatcheck: Coatcheck,
  options: GatewayListenerOptions = {},
): GatewayListener {
  const trustProxy = options.trustProxy === true
  const { metrics, metricsPath, store } = options
  if (metrics && store) metrics.countSessions(store)
  const logger = options.logger ?? createDefaultLogger(collectSecrets(coatcheck.config))
  const fallback = options.logger ? undefined : reportError
  const reported = options.onError ?? fallback
  const onError = (error: unknown) => {
    logError(logger, error)
    reported?.(error)
  }
  const stopping = new AbortController()
  const observe = createRequestObserver({
    logger,
    metrics,
    labelRoute: createRouteLabeler(coatcheck.config, metricsPath ? [metricsPath] : []),
  })
  // The SPA's files when `spa.static` is set (same-origin topology); `undefined` otherwise.
  const spa = createSpaStatic(coatcheck.config)
  // One pool per upstream origin, connections kept alive between calls.
  const agent = new Agent()
  const signals = { trustProxy, onError, stopping: stopping.signal }
  const web = createNodeListener((request) => coatcheck.handle(request), signals)
  const proxy = createHttpProxy({
    coatcheck,
    dispatcher: agent,
    ...signals,
    ...(metrics
      ? { observeUpstream: (route: string, s: number) => metrics.observeUpstream(route, s) }
      : {}),
  })
  const upgrades = createUpgradeProxy({
    coatcheck,
    trustProxy,
    onError,
    ...(metrics ? { onTunnel: (delta: 1 | -1) => metrics.websockets.inc(delta) } : {}),
  })
  const health =
    options.health === false ? () => false : createHealthEndpoints(coatcheck, options.health)

  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (metrics && metricsPath && req.url?.split('?')[0] === metricsPath) {
      return sendMetrics(res, metrics.registry)
    }
    // Origin-form targets only: an absolute-form `GET http://evil.example/api/x` is refused
    // here, before any routing, so the client can never choose the authority (P-01).
    const head = toRequestHead(req, trustProxy)
    if (!head) return sendJson(res, 400, BAD_REQUEST)
    const replayable = isReplayable(head.method, hasRequestBody(req))
    const prepared = await coatcheck.prepareProxy(head, { replayable })
    if (prepared === undefined) {
      if (spa !== undefined && (await spa(req, res))) return
      return web(req, res)
    }
    if (prepared instanceof Response) return sendResponse(req, res, prepared, onError)
    return proxy(req, res, head, prepared)
  }

  const listener = (req: IncomingMessage, res: ServerResponse): void => {
    if (health(req, res)) return
    observe(req, res)
    serve(req, res).catch((error: unknown) => {
      onError(error)
      // The exception's own message may quote an internal address: never send it.
      sendJson(res, 500, INTERNAL_ERROR)
    })
  }
  let wire: WireFront | undefined
  const pool = createUpstreamPool()
  function serveConnections(server: Server): void {
    if ('setSecureContext' in server) {
      throw new TypeError('serveConnections takes a plain node:http server, not a TLS one.')
    }
    const nodeListeners = server.listeners('connection') as ((socket: Socket) => void)[]
    const handOff = (socket: Socket) => {
      for (const nodeListener of nodeListeners) nodeListener.call(server, socket)
    }
    const front = (wire ??= createWireFront({
      coatcheck,
      pool,
      trustProxy,
      onError,
      maxHeadSize: (server as { maxHeaderSize?: number }).maxHeaderSize ?? maxHeaderSize,
      keepAliveMs: server.keepAliveTimeout,
      hostPaths: new Set([
        ...(options.health === false ? [] : healthPaths(options.health)),
        ...(metricsPath ? [metricsPath] : []),
      ]),
      observe: observe.start,
      ...(metrics
        ? { observeUpstream: (route: string, s: number) => metrics.observeUpstream(route, s) }
        : {}),
      stopping: stopping.signal,
    }))
    server.removeAllListeners('connection')
    server.on('connection', (socket: Socket) => front.accept(socket, handOff))
  }
  return Object.assign(listener, {
    upgrade: upgrades.upgrade,
    serveConnections,
    async close(graceMs = 10_000) {
      stopping.abort()
      const [, , forced] = await Promise.all([
        upgrades.close(graceMs),
        agent.close(),
        wire?.close(graceMs),
      ])
      pool.close()
      return forced === true
    },
  })
}

function reportError(error: unknown): void {
  console.error('coatcheck: a request failed:', error)
}
