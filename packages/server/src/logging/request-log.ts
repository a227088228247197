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

/**
 * Starts observing a request (unless the logger is below `info` and there are no metrics):
 * gives it an id (the caller's `X-Request-Id` when sane, or a
 * new one, sent back in the response), and when the response ends writes one log line
 * (id, method, route label, status, duration) and the request metrics. The raw URL is never
 * logged: its query may hold an authorization code.
 */
export function createRequestObserver(options: RequestObserverOptions) {
  const { logger, metrics, labelRoute } = options
  // Nobody would read the line or the series: no id, clock, listener or label per request.
  if (!metrics && !logger.isLevelEnabled('info')) return () => {}
  return (req: IncomingMessage, res: ServerResponse): void => {
    const started = process.hrtime.bigint()
    const incoming = req.headers['x-request-id']
    const id =
      typeof incoming === 'string' && SANE_REQUEST_ID.test(incoming) ? incoming : randomUUID()
    res.setHeader('x-request-id', id)
    metrics?.inFlight.inc()
    res.once('close', () => {
      metrics?.inFlight.dec()
      const seconds = Number(process.hrtime.bigint() - started) / 1e9
      const route = labelRoute(req.url)
      // A response cut short (client gone, shutdown deadline) is reported as such.
      const status = res.headersSent ? res.statusCode : 0
      const complete = res.writableFinished
      metrics?.observeRequest(route, status, seconds)
      logger.info(
        {
          reqId: id,
          method: req.method,
          route,
          status,
          durationMs: Math.round(seconds * 1000),
          ...(complete ? {} : { aborted: true }),
        },
        'request',
      )
    })
  }
}
