import { appendFileSync } from 'node:fs'

/** Kinds of secret the log sweep looks for. */
export type SweepKind =
  | 'access_token'
  | 'refresh_token'
  | 'id_token'
  | 'authorization_code'
  | 'client_secret'
  | 'session_cookie'

const MIN_LENGTH = 16

/**
 * When `COATCHECK_SWEEP_SECRETS_FILE` names a file (the test runner sets it), appends one
 * JSON line `{ kind, value }` per secret: every token, code and client secret the dev IdP
 * issues or registers, and the cookie values test clients receive, so that the log sweep
 * can look for each value in every log line of the run. A no-op otherwise.
 */
export function recordForSweep(kind: SweepKind, value: string): void {
  const file = process.env['COATCHECK_SWEEP_SECRETS_FILE']
  // Shorter values (a `1`, an empty cleared cookie) are no secrets and would match by chance.
  if (!file || value.length < MIN_LENGTH) return
  // One write(2) in append mode: lines of concurrent test processes never interleave.
  appendFileSync(file, `${JSON.stringify({ kind, value })}\n`)
}
