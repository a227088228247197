/**
 * What Coatcheck tells its host about its work, for metrics and logs. Events carry codes
 * and route paths only: never a token, cookie, session id or user attribute.
 */
export type CoatcheckEvent =
  | { type: 'login'; outcome: 'ok' | 'failed' }
  | { type: 'logout' }
  | {
      type: 'refresh'
      /** `coalesced`: this request got the result of a refresh another request made. */
      outcome: 'ok' | 'failed' | 'coalesced' | 'invalid_grant'
    }
  | { type: 'csrf_rejected'; code: string }
  | { type: 'upstream_error'; route: string; code: string }

/** Receives every {@link CoatcheckEvent}; must not throw. */
export type EventSink = (event: CoatcheckEvent) => void
