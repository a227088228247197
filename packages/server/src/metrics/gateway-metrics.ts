import type { CoatcheckEvent, SessionStore } from '@coatcheck/core'
import { Counter, Gauge, Histogram, Registry } from 'prom-client'

/**
 * Coatcheck's Prometheus series, in a registry of their own (nothing on prom-client's global
 * one, so two gateways in one process, or the host's own metrics, never collide). Label
 * values come from configuration and from Coatcheck's own codes only: a route label is a
 * configured prefix or an endpoint name, never a URL, so no user data and no unbounded
 * cardinality reaches Prometheus.
 */
export interface GatewayMetrics {
  readonly registry: Registry
  /** Counts a {@link CoatcheckEvent}; pass it as (or call it from) `onEvent`. */
  record(event: CoatcheckEvent): void
  /** One finished request (or one cut short: `status` is then what was sent, or 0). */
  observeRequest(route: string, status: number, seconds: number): void
  /** Time until the upstream's response headers arrived. */
  observeUpstream(route: string, seconds: number): void
  /** Requests being served now (streams included), and WebSocket tunnels open now. */
  readonly inFlight: Gauge
  readonly websockets: Gauge
  /**
   * Reports `coatcheck_sessions_active`: the live sessions in `store`, read at each scrape,
   * so every instance on a shared store shows the same cluster-wide number. A store without
   * `count` (the cookie store has no server-side sessions) adds nothing: the gauge stays
   * absent rather than a misleading 0. A later call replaces the store.
   */
  countSessions(store: SessionStore): void
}

// Seconds: a BFF call is mostly the upstream's time; login and refresh include the IdP's.
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]

/** Creates the series in a new registry. */
export function createGatewayMetrics(): GatewayMetrics {
  const registry = new Registry()
  const registers = [registry]
  const counter = <L extends string>(name: string, help: string, labelNames: L[] = []) =>
    new Counter<L>({ name, help, labelNames, registers })
  const histogram = <L extends string>(name: string, help: string, labelNames: L[]) =>
    new Histogram<L>({ name, help, labelNames, buckets: LATENCY_BUCKETS, registers })
  const gauge = (name: string, help: string) => new Gauge({ name, help, registers })

  const requests = counter(
    'coatcheck_http_requests_total',
    'Requests answered, by route (configured prefix or endpoint) and status code.',
    ['route', 'status'],
  )
  const duration = histogram(
    'coatcheck_http_request_duration_seconds',
    'Time from request to the end of the response, by route and status class.',
    ['route', 'status_class'],
  )
  const upstream = histogram(
    'coatcheck_upstream_duration_seconds',
    'Time until the upstream API sent its response headers, by route.',
    ['route'],
  )
  const upstreamErrors = counter(
    'coatcheck_upstream_errors_total',
    'Upstream calls that failed or timed out, by route and code.',
    ['route', 'code'],
  )
  const logins = counter(
    'coatcheck_logins_total',
    'Completed login callbacks, by outcome (ok, failed). An ok login starts a session.',
    ['outcome'],
  )
  const logouts = counter('coatcheck_logouts_total', 'Logouts the user asked for.')
  const refreshes = counter(
    'coatcheck_refreshes_total',
    'Token refreshes, by outcome: ok, failed, coalesced (served by another request’s refresh), invalid_grant.',
    ['outcome'],
  )
  const csrf = counter(
    'coatcheck_csrf_rejections_total',
    'Requests refused by the CSRF defence, by code.',
    ['code'],
  )
  const storeErrors = counter('coatcheck_store_errors_total', 'Session store calls that failed.')
  const backchannel = counter(
    'coatcheck_backchannel_logouts_total',
    'Back-channel logout tokens, by outcome (ok, rejected) and refusal code.',
    ['outcome', 'code'],
  )
  const ended = counter('coatcheck_sessions_ended_total', 'Sessions ended, by reason.', ['reason'])
  const inFlight = gauge(
    'coatcheck_http_requests_in_flight',
    'Requests being served by this instance now, open streams included.',
  )
  const websockets = gauge(
    'coatcheck_websocket_connections',
    'WebSocket tunnels open through this instance now.',
  )
  /** The `count` of the store given to `countSessions`; the gauge exists once it is set. */
  let countLive: (() => Promise<number>) | undefined
  const createSessionsGauge = () =>
    new Gauge({
      name: 'coatcheck_sessions_active',
      help: 'Live sessions in the session store, counted at each scrape: the same on every instance sharing the store.',
      registers,
      async collect() {
        try {
          if (countLive) this.set(await countLive())
        } catch {
          // A store outage must not fail the scrape and hide every other series: the gauge
          // has no sample this time, and the failure is counted like any other store error.
          this.remove()
          storeErrors.inc()
        }
      },
    })
  // Every outcome starts at 0, so `rate()` and alerts work before the first event.
  for (const outcome of ['ok', 'failed', 'coalesced', 'invalid_grant'])
    refreshes.inc({ outcome }, 0)
  for (const outcome of ['ok', 'failed']) logins.inc({ outcome }, 0)

  return {
    registry,
    inFlight,
    websockets,
    record(event) {
      switch (event.type) {
        case 'login':
          return logins.inc({ outcome: event.outcome })
        case 'logout':
          return logouts.inc()
        case 'refresh':
          return refreshes.inc({ outcome: event.outcome })
        case 'csrf_rejected':
          return csrf.inc({ code: event.code })
        case 'upstream_error':
          return upstreamErrors.inc({ route: event.route, code: event.code })
        case 'backchannel_logout':
          return backchannel.inc({ outcome: event.outcome, code: event.code ?? '' })
        case 'session_ended':
          return ended.inc({ reason: event.reason })
        case 'store_error':
          return storeErrors.inc()
      }
    },
    observeRequest(route, status, seconds) {
      requests.inc({ route, status: String(status) })
      duration.observe({ route, status_class: `${Math.floor(status / 100)}xx` }, seconds)
    },
    observeUpstream(route, seconds) {
      upstream.observe({ route }, seconds)
    },
    countSessions(store) {
      const { count } = store
      if (!count) return
      if (!countLive) createSessionsGauge()
      countLive = () => count.call(store)
    },
  }
}
