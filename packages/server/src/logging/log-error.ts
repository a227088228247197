/** An error as a log object: its class, code, status and message, then its causes. */
export interface LoggedError {
  type: string
  message: string
  code?: string
  status?: number
  stack?: string
  cause?: LoggedError
}

// Deep enough for CoatcheckError → openid-client → undici → socket error; a cycle stops here.
const MAX_CAUSES = 5

/**
 * Serialises an error and its `cause` chain for a log line. Only the code, status and
 * message of each link are kept (the scrubber then removes anything secret from them):
 * never a response body, request or header an error object may carry along.
 */
export function toLoggedError(error: unknown, depth = 0): LoggedError {
  if (!(error instanceof Error)) return { type: typeof error, message: String(error) }
  const { code, status } = error as { code?: unknown; status?: unknown }
  const logged: LoggedError = { type: error.name, message: error.message }
  if (typeof code === 'string') logged.code = code
  if (typeof status === 'number') logged.status = status
  // The stack of our own coded errors says nothing new; an unexpected exception's does.
  if (logged.code === undefined && depth === 0 && error.stack) logged.stack = error.stack
  if (error.cause !== undefined && depth < MAX_CAUSES) {
    logged.cause = toLoggedError(error.cause, depth + 1)
  }
  return logged
}
