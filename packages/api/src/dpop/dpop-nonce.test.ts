import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { createClock } from '../../test/support/refusal.ts'
import { createRotatingDpopNonce } from './dpop-nonce.ts'

describe('rotating DPoP nonce (S-23)', () => {
  it('accepts its nonce for one more period, then refuses it', async () => {
    const clock = createClock(0)
    const source = createRotatingDpopNonce({ now: clock.now, rotationSeconds: 60 })
    const nonce = await source.issue()
    assert.equal(await source.check(nonce), true)
    clock.advance(60)
    assert.equal(await source.check(nonce), true)
    assert.notEqual(await source.issue(), nonce)
    clock.advance(60)
    assert.equal(await source.check(nonce), false)
  })

  it('refuses forged, future and malformed nonces', async () => {
    const clock = createClock(600_000)
    const source = createRotatingDpopNonce({ now: clock.now, rotationSeconds: 60 })
    const [step, mac] = (await source.issue()).split('.')
    const next = (Number.parseInt(step ?? '', 36) + 1).toString(36)
    assert.equal(await source.check(`${next}.${mac}`), false)
    assert.equal(await source.check(`${step}.${'A'.repeat(43)}`), false)
    assert.equal(await source.check('not a nonce'), false)
    const other = createRotatingDpopNonce({ now: clock.now, rotationSeconds: 60 })
    assert.equal(await other.check(await source.issue()), false)
  })

  it('shares nonces between instances with the same secret, refuses a short secret', async () => {
    const secret = crypto.getRandomValues(new Uint8Array(32))
    const a = createRotatingDpopNonce({ secret })
    const b = createRotatingDpopNonce({ secret })
    assert.equal(await b.check(await a.issue()), true)
    assert.throws(() => createRotatingDpopNonce({ secret: new Uint8Array(16) }), TypeError)
  })
})
