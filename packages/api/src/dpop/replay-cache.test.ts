import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { createClock } from '../../test/support/refusal.ts'
import { createMemoryReplayCache } from './replay-cache.ts'

describe('memory replay cache (S-22)', () => {
  it('says true the first time and false for a replay within the TTL', async () => {
    const clock = createClock()
    const cache = createMemoryReplayCache({ now: clock.now })
    assert.equal(await cache.seenOnce('k', 60), true)
    assert.equal(await cache.seenOnce('k', 60), false)
    clock.advance(61)
    assert.equal(await cache.seenOnce('k', 60), true)
  })

  it('fails closed when full of live keys, and makes room from expired ones', async () => {
    const clock = createClock()
    const cache = createMemoryReplayCache({ now: clock.now, maxEntries: 2 })
    assert.equal(await cache.seenOnce('a', 10), true)
    assert.equal(await cache.seenOnce('b', 10), true)
    assert.equal(await cache.seenOnce('c', 10), false)
    clock.advance(11)
    assert.equal(await cache.seenOnce('c', 10), true)
  })
})
