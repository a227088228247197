import type { AuthFailureReason } from '../auth-failures.ts'

/**
 * Thrown by the verification steps; the verifier turns it into an {@link ApiAuthError}
 * with the challenge that fits the request. Internal: steps know why, not how to answer.
 */
export class AuthFailure extends Error {
  override readonly name = 'AuthFailure'
  readonly reason: AuthFailureReason
  readonly dpopNonce: string | undefined

  constructor(reason: AuthFailureReason, options: { cause?: unknown; dpopNonce?: string } = {}) {
    super(reason, { cause: options.cause })
    this.reason = reason
    this.dpopNonce = options.dpopNonce
  }
}

/** Throws an {@link AuthFailure}; reads as one step in a pipeline: `check || fail('expired')`. */
export function fail(reason: AuthFailureReason, cause?: unknown): never {
  throw new AuthFailure(reason, { cause })
}
