import { it } from 'node:test'
import assert from 'node:assert/strict'
import { createEventCounters } from './event-counters.ts'

it('counts refresh outcomes, CSRF rejections and upstream errors by route', () => {
  const counters = createEventCounters()
  counters.record({ type: 'refresh', outcome: 'ok' })
  counters.record({ type: 'refresh', outcome: 'coalesced' })
  counters.record({ type: 'refresh', outcome: 'coalesced' })
  counters.record({ type: 'csrf_rejected', code: 'csrf_header_missing' })
  counters.record({ type: 'upstream_error', route: '/api/orders', code: 'upstream_timeout' })
  assert.deepEqual(counters.snapshot(), {
    'refresh.ok': 1,
    'refresh.coalesced': 2,
    'csrf_rejected.csrf_header_missing': 1,
    'upstream_error./api/orders.upstream_timeout': 1,
  })
})
