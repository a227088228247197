import type { CoatcheckEvent, EventSink } from './coatcheck-event.ts'

/** Running totals of {@link CoatcheckEvent}s, keyed like `refresh.coalesced` or `upstream_error./api/orders.upstream_timeout`. */
export interface EventCounters {
  /** Counts one event; pass it as (or call it from) `onEvent`. */
  readonly record: EventSink
  /** A copy of the totals so far. */
  snapshot(): Record<string, number>
}

/**
 * Counts events for metrics: refreshes by outcome (ok, failed, coalesced, invalid_grant),
 * logins, logouts, CSRF rejections by code, upstream errors by route and code. Keys are
 * built from codes and configured route paths only, so no user data becomes a label.
 */
export function createEventCounters(): EventCounters {
  const totals = new Map<string, number>()
  const keyOf = (event: CoatcheckEvent): string => {
    switch (event.type) {
      case 'login':
      case 'refresh':
        return `${event.type}.${event.outcome}`
      case 'logout':
        return 'logout'
      case 'csrf_rejected':
        return `csrf_rejected.${event.code}`
      case 'upstream_error':
        return `upstream_error.${event.route}.${event.code}`
      case 'backchannel_logout':
        return `backchannel_logout.${event.outcome}`
      case 'session_ended':
        return `session_ended.${event.reason}`
      case 'store_error':
        return 'store_error'
    }
  }
  return {
    record(event) {
      const key = keyOf(event)
      totals.set(key, (totals.get(key) ?? 0) + 1)
    },
    snapshot: () => Object.fromEntries(totals),
  }
}
