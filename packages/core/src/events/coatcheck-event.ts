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
  /** A back-channel logout token was accepted (`ok`) or refused (`rejected`, with its code). */
  | { type: 'backchannel_logout'; outcome: 'ok' | 'rejected'; code?: string }
  /** A session ended, and why. */
  | { type: 'session_ended'; reason: SessionEndReason }
  /** A session store call failed (the request got `store_unavailable`). */
  | { type: 'store_error' }

/** Why a session ended: what `session-ended` events and metrics report. */
export type SessionEndReason =
  | 'logout'
  | 'backchannel_logout'
  | 'refresh_failed'
  | 'expired'
  | 'ended_by_user'
  | 'ended_by_operator'

/** Receives every {@link CoatcheckEvent}; must not throw. */
export type EventSink = (event: CoatcheckEvent) => void
