import type { CoatcheckEvent } from '@coatcheck/core'
import type { Logger } from 'pino'
import { toLoggedError } from './log-error.ts'

type Level = 'debug' | 'info' | 'warn' | 'error'

/**
 * Logs a security event (G-05): login, logout, refresh failure, reuse prevented (a coalesced
 * refresh or `invalid_grant`), CSRF rejection, back-channel logout, session end, store
 * failure. Events carry codes and configured route paths only, so the line has no user data.
 */
export function logEvent(logger: Logger, event: CoatcheckEvent): void {
  logger[levelOf(event)]({ event }, event.type)
}

/** Logs an error that became a 5xx answer or broke a stream, with its cause chain. */
export function logError(logger: Logger, error: unknown): void {
  logger.error({ error: toLoggedError(error) }, 'request failed')
}

function levelOf(event: CoatcheckEvent): Level {
  switch (event.type) {
    case 'login':
      return event.outcome === 'ok' ? 'info' : 'warn'
    case 'refresh':
      // A coalesced refresh is a reuse prevented: worth a line, but the normal answer to a storm.
      return event.outcome === 'ok' ? 'debug' : event.outcome === 'coalesced' ? 'info' : 'warn'
    case 'backchannel_logout':
      return event.outcome === 'ok' ? 'info' : 'warn'
    case 'csrf_rejected':
    case 'upstream_error':
      return 'warn'
    case 'store_error':
      return 'error'
    case 'logout':
    case 'session_ended':
      return 'info'
  }
}
