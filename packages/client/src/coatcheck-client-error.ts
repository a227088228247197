/**
 * `network_error`: Coatcheck could not be reached. `unexpected_response`: it answered
 * something that is not its contract. Any other code is the `error` of Coatcheck's JSON error
 * body (`{ error, message }`), passed through unchanged.
 */
export type ClientErrorCode = 'network_error' | 'unexpected_response' | (string & {})

/**
 * The one error the SDK reports, in the `error` session state or by rejecting `logout()`.
 * Branch on `code` and `status`, not on the message.
 */
export class CoatcheckClientError extends Error {
  override name = 'CoatcheckClientError'
  readonly code: ClientErrorCode
  /** The HTTP status Coatcheck answered, when it answered at all. */
  readonly status: number | undefined

  constructor(code: ClientErrorCode, message: string, status?: number, cause?: unknown) {
    super(message, { cause })
    this.code = code
    this.status = status
  }
}
