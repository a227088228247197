import { randomUUID } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Logger } from 'pino'
import type { GatewayMetrics } from '../metrics/gateway-metrics.ts'
import type { RouteLabeler } from './route-label.ts'

/** What {@link createRequestObserver} reports to. */
export interface RequestObserverOptions {
  logger: Logger
  metrics?: GatewayMetrics | undefined
  labelRoute: RouteLabeler
}

// A caller's id is kept when it is short and plain, so a load balancer's id follows the
// request; anything else (a header injection attempt, a megabyte) is replaced by our own.
const SANE_REQUEST_ID = /^[\w.:@-]{1,128}$/

/** One request being observed: its id, and the call that reports it when it ends. */
export interface RequestObservation {
  /** The id to send back as `X-Request-Id`. */
  readonly id: string
  /** Writes the log line and the metrics; `complete: false` for a response cut short. */
  end(status: number, complete: boolean): void
}

/**
 * Starts observing a request on any transport, or `undefined` when the logger is below
 * `info` and there are no metrics: then nothing is done per request at all.
 */
export type RequestStarter = (
  method: string,
  target: string,
  incomingId: string | undefined,
  /** `process.hrtime.bigint()` when the request arrived; default: now. */
  started?: bigint,
) => RequestObservation

/** The observer for `node:http` requests, and the same for requests served off raw sockets. */
export interface RequestObserver {
  (req: IncomingMessage, res: ServerResponse): void
  readonly start: RequestStarter | undefined
}

/**
 * Starts observing a request (unless the logger is below `info` and there are no metrics):
 * gives it an id (the caller's `X-Request-Id` when sane, or a new one, sent back in the
 * response), and when the response ends writes one log line (id, method, route label,
 * status, duration) and the request metrics. The raw URL is never logged: its query may
 * hold an authorization code.
 */
export function createRequestObserver(options: RequestObserverOptions): RequestObserver {
  const { logger, metrics, labelRoute } = options
  // Nobody would read the line or the series: no id, clock, listener or label per request.
  if (!metrics && !logger.isLevelEnabled('info')) {
    return Object.assign(() => {}, { start: undefined })
  }
  const start: RequestStarter = (method, target, incomingId, started = process.hrtime.bigint()) => {
    const id =
      incomingId !== undefined && SANE_REQUEST_ID.test(incomingId) ? incomingId : randomUUID()
    metrics?.inFlight.inc()
    return {
      id,
      end(status, complete) {
        metrics?.inFlight.dec()
        const seconds = Number(process.hrtime.bigint() - started) / 1e9
        const route = labelRoute(target)
        metrics?.observeRequest(route, status, seconds)
        logger.info(
          {
            reqId: id,
            method,
            route,
            status,
            durationMs: Math.round(seconds * 1000),
            ...(complete ? {} : { aborted: true }),
          },
          'request',
        )
      },
    }
  }
  const observe = (req: IncomingMessage, res: ServerResponse): void => {
    const incoming = req.headers['x-request-id']
    const observation = start(
      req.method ?? 'GET',
      req.url ?? '/',
      typeof incoming === 'string' ? incoming : undefined,
    )
    res.setHeader('x-request-id', observation.id)
    // A response cut short (client gone, shutdown deadline) is reported as such.
    res.once('close', () =>
      observation.end(res.headersSent ? res.statusCode : 0, res.writableFinished),
    )
  }
  return Object.assign(observe, { start })
}
