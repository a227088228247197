import type { RequestLike } from '../request/request-like.ts'
import {
  createTokenVerifier,
  type TokenVerifier,
  type VerifyResult,
} from './create-token-verifier.ts'
import type { TokenVerifierOptions } from './token-verifier-options.ts'

const verifiers = new WeakMap<TokenVerifierOptions, TokenVerifier>()

/**
 * One-call form of {@link createTokenVerifier}: verifies `request` with a verifier kept per
 * options object. Define the options once (module scope): a new object each call means a
 * new verifier, so discovery, keys and caches would be fetched again every time.
 */
export function verifyAccessToken(
  request: RequestLike,
  options: TokenVerifierOptions,
): Promise<VerifyResult> {
  let verifier = verifiers.get(options)
  if (verifier === undefined) {
    verifier = createTokenVerifier(options)
    verifiers.set(options, verifier)
  }
  return verifier.verify(request)
}
