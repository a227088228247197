import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { createMemoryStore, type SessionStore } from '@coatcheck/core'
import { createTestSession } from '@coatcheck/core/testing'
import { createGatewayMetrics } from './gateway-metrics.ts'

/** The sample of an unlabelled series in a scrape, or `undefined` when it has none. */
async function sample(registry: { metrics(): Promise<string> }, name: string) {
  const line = (await registry.metrics()).split('\n').find((l) => l.startsWith(`${name} `))
  return line === undefined ? undefined : Number(line.slice(name.length + 1))
}

describe('coatcheck_sessions_active', () => {
  it('is read from the store at each scrape', async () => {
    const store = createMemoryStore()
    const { registry, countSessions } = createGatewayMetrics()
    countSessions(store)
    assert.equal(await sample(registry, 'coatcheck_sessions_active'), 0)
    await store.set(createTestSession(), 60)
    assert.equal(await sample(registry, 'coatcheck_sessions_active'), 1)
    await store.close()
  })

  it('is absent, not 0, for a store that cannot count', async () => {
    const store = createMemoryStore()
    const { count: _, ...uncounting } = store
    const { registry, countSessions } = createGatewayMetrics()
    countSessions(uncounting as SessionStore)
    assert.ok(!(await registry.metrics()).includes('coatcheck_sessions_active'))
    await store.close()
  })

  it('has no sample while the store fails, and counts each failure as a store error', async () => {
    let failing = true
    const store = {
      count: async () => {
        if (failing) throw new Error('connection lost')
        return 7
      },
    } as unknown as SessionStore
    const { registry, countSessions } = createGatewayMetrics()
    countSessions(store)
    assert.equal(await sample(registry, 'coatcheck_sessions_active'), undefined)
    assert.equal(await sample(registry, 'coatcheck_sessions_active'), undefined)
    assert.equal(await sample(registry, 'coatcheck_store_errors_total'), 2)
    failing = false
    assert.equal(await sample(registry, 'coatcheck_sessions_active'), 7)
  })
})
