import assert from 'node:assert/strict'
import { describe, it, mock } from 'node:test'
import { MemoryStore } from './memory-store.ts'

describe('MemoryStore', () => {
  it('returns copies, so callers cannot mutate stored records', async () => {
    const store = new MemoryStore()
    const adapter = store.adapterFactory('Session')
    await adapter.upsert('s1', { uid: 'u1', accountId: 'alice' }, 60)
    const found = await adapter.find('s1')
    if (found) found.accountId = 'mallory'
    assert.deepEqual(await adapter.findByUid('u1'), { uid: 'u1', accountId: 'alice' })
  })

  it('expires records after their ttl', async () => {
    mock.timers.enable({ apis: ['Date'], now: 1_000_000 })
    try {
      const store = new MemoryStore()
      const adapter = store.adapterFactory('AccessToken')
      await adapter.upsert('t1', { grantId: 'g1' }, 10)
      mock.timers.tick(9_999)
      assert.ok(await adapter.find('t1'))
      mock.timers.tick(1)
      assert.equal(await adapter.find('t1'), undefined)
    } finally {
      mock.timers.reset()
    }
  })

  it('marks a record consumed', async () => {
    const adapter = new MemoryStore().adapterFactory('RefreshToken')
    await adapter.upsert('r1', { grantId: 'g1' }, 60)
    await adapter.consume('r1')
    assert.equal(typeof (await adapter.find('r1'))?.consumed, 'number')
  })

  it('revokeByGrantId removes only the records of that model and grant', async () => {
    const store = new MemoryStore()
    const tokens = store.adapterFactory('AccessToken')
    const codes = store.adapterFactory('AuthorizationCode')
    await tokens.upsert('a', { grantId: 'g1' }, 60)
    await tokens.upsert('b', { grantId: 'g2' }, 60)
    await codes.upsert('c', { grantId: 'g1' }, 60)
    await tokens.revokeByGrantId('g1')
    assert.equal(await tokens.find('a'), undefined)
    assert.ok(await tokens.find('b'))
    assert.ok(await codes.find('c'))
  })

  it('revokeAccount removes the grants of one account and everything issued under them', async () => {
    const store = new MemoryStore()
    store.put('Grant', 'g1', { accountId: 'alice' }, 60)
    store.put('Grant', 'g2', { accountId: 'bob' }, 60)
    store.put('RefreshToken', 'r1', { grantId: 'g1' }, 60)
    store.put('RefreshToken', 'r2', { grantId: 'g2' }, 60)
    assert.equal(store.revokeAccount('alice'), 1)
    assert.equal(store.get('Grant', 'g1'), undefined)
    assert.equal(store.get('RefreshToken', 'r1'), undefined)
    assert.ok(store.get('Grant', 'g2'))
    assert.ok(store.get('RefreshToken', 'r2'))
  })
})
