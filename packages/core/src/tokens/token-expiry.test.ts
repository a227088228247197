import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { accessTokenExpiry } from './token-expiry.ts'

describe('accessTokenExpiry', () => {
  it('rounds down once, so a token stored late in a second keeps its whole lifetime (R-01)', () => {
    // 2 s left at 1000.999 s: the token expires at 1002.999, so 1002 is the last whole second
    // it is known to be valid. Rounding "now" and "seconds left" separately gave 1001.
    assert.equal(accessTokenExpiry({ expires_in: 2 }, 1_000_999), 1002)
    assert.equal(accessTokenExpiry({ expires_in: 2 }, 1_000_000), 1002)
    assert.equal(accessTokenExpiry({ expires_in: 300 }, 1_000_500), 1300)
  })

  it('never reports a later expiry than the response allows (R-01)', () => {
    for (const nowMs of [0, 1, 499, 999, 1_000, 1_700_000_000_123]) {
      const expiresAt = accessTokenExpiry({ expires_in: 5 }, nowMs)
      assert.ok(expiresAt !== undefined && expiresAt * 1000 <= nowMs + 5_000)
    }
  })

  it('is undefined when the response has no expires_in', () => {
    assert.equal(accessTokenExpiry({}, 1_000_000), undefined)
  })
})
