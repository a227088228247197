// Assertion helpers: what a refused request looks like.
import assert from 'node:assert/strict'
import { ApiAuthError } from '../../src/index.ts'

/** Awaits a verification expected to fail and returns its ApiAuthError. */
export async function refusal(promise: Promise<unknown>): Promise<ApiAuthError> {
  try {
    await promise
  } catch (error) {
    assert.ok(error instanceof ApiAuthError, `expected an ApiAuthError, got ${String(error)}`)
    return error
  }
  assert.fail('expected the request to be refused')
}

/** A Bearer request for `token` (GET /articles). */
export function bearer(token: string, extra: Record<string, string> = {}) {
  return {
    method: 'GET',
    url: '/articles',
    headers: { authorization: `Bearer ${token}`, ...extra },
  }
}

/**
 * A clock tests can move: `clock.now()` for the verifier, `clock.advance(seconds)`. Without
 * `start` it follows real time plus the advances (tokens from a real IdP age normally);
 * with `start` it stands still unless advanced.
 */
export function createClock(start?: number) {
  let offset = 0
  return {
    now: () => (start ?? Date.now()) + offset,
    advance(seconds: number) {
      offset += seconds * 1000
    },
  }
}
