import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { Redis } from 'ioredis'
import { connect } from '../src/internal/connect.ts'
import { REDIS_URL } from './redis-test-helpers.ts'

describe('connect', () => {
  it('sends the commands of one turn of the event loop as one pipeline', async () => {
    const { client } = await connect(REDIS_URL, undefined, {
      commandTimeoutMs: 1000,
      connectTimeoutMs: 2000,
    })
    const redis = client as Redis
    try {
      const replies = Promise.all(
        Array.from({ length: 5 }, (_, i) => redis.hget(`coatcheck-test:none:${i}`, 'data')),
      )
      // Queued, not yet written: they leave together once this turn's callbacks are done.
      assert.equal(redis.autoPipelineQueueSize, 5)
      assert.deepEqual(await replies, [null, null, null, null, null])
      assert.equal(redis.autoPipelineQueueSize, 0)
    } finally {
      redis.disconnect()
    }
  })
})
