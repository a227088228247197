/**
 * The table of every reason a request is refused, and the OAuth error code each maps to.
 * The code and a generic message go over the wire; the reason stays on the server (logs,
 * tests), because telling an attacker which check failed helps them forge the next token.
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3.1
 * @see https://www.rfc-editor.org/rfc/rfc9449#section-7.1
 */

/** Every error code, with its HTTP status and the message shown to callers. */
export const AUTH_ERROR_CODES = {
  missing_token: { status: 401, message: 'An access token is required.' },
  invalid_request: { status: 400, message: 'The request is malformed.' },
  invalid_token: { status: 401, message: 'The access token is invalid or expired.' },
  invalid_dpop_proof: { status: 401, message: 'The DPoP proof is invalid.' },
  use_dpop_nonce: {
    status: 401,
    message: 'Retry with a DPoP proof carrying the nonce from the DPoP-Nonce header.',
  },
  insufficient_scope: { status: 403, message: 'The access token does not allow this request.' },
  temporarily_unavailable: {
    status: 503,
    message: 'The authorization server cannot be reached; try again later.',
  },
} as const satisfies Record<string, { status: number; message: string }>

/** A stable error code; clients may switch on it. `missing_token` has no `error` attribute. */
export type AuthErrorCode = keyof typeof AUTH_ERROR_CODES

/** Why a request was refused (server side only), and the code the caller sees. */
export const AUTH_FAILURE_REASONS = {
  token_missing: 'missing_token',
  scheme_unsupported: 'missing_token',
  authorization_malformed: 'invalid_request',
  token_in_query: 'invalid_request',
  token_in_body: 'invalid_request',
  token_malformed: 'invalid_token',
  opaque_token_unsupported: 'invalid_token',
  typ_invalid: 'invalid_token',
  alg_not_allowed: 'invalid_token',
  key_not_found: 'invalid_token',
  signature_invalid: 'invalid_token',
  issuer_mismatch: 'invalid_token',
  audience_mismatch: 'invalid_token',
  expired: 'invalid_token',
  not_yet_valid: 'invalid_token',
  claim_missing: 'invalid_token',
  claim_invalid: 'invalid_token',
  token_inactive: 'invalid_token',
  bound_token_as_bearer: 'invalid_token',
  binding_unsupported: 'invalid_token',
  token_not_bound: 'invalid_token',
  dpop_jkt_mismatch: 'invalid_token',
  dpop_proof_missing: 'invalid_dpop_proof',
  dpop_proof_multiple: 'invalid_dpop_proof',
  dpop_proof_invalid: 'invalid_dpop_proof',
  dpop_htm_mismatch: 'invalid_dpop_proof',
  dpop_htu_mismatch: 'invalid_dpop_proof',
  dpop_iat_invalid: 'invalid_dpop_proof',
  dpop_ath_mismatch: 'invalid_dpop_proof',
  dpop_replayed: 'invalid_dpop_proof',
  dpop_nonce_missing: 'use_dpop_nonce',
  dpop_nonce_invalid: 'use_dpop_nonce',
  scope_insufficient: 'insufficient_scope',
  permission_denied: 'insufficient_scope',
  idp_unavailable: 'temporarily_unavailable',
} as const satisfies Record<string, AuthErrorCode>

/** Why a request was refused. For logs and tests; never sent to the caller. */
export type AuthFailureReason = keyof typeof AUTH_FAILURE_REASONS
