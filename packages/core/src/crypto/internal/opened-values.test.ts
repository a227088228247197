import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { createOpenedValues } from './opened-values.ts'

describe('createOpenedValues', () => {
  it('forgets the least recently used texts once over its budget of characters', () => {
    const opened = createOpenedValues(10)
    opened.remember('aaaa', 'ctx', { n: 1 }, false)
    opened.remember('bbbb', 'ctx', { n: 2 }, false)
    assert.deepEqual(opened.get('aaaa', 'ctx')?.value, { n: 1 })
    // 12 characters now: `bbbb`, the least recently used, goes.
    opened.remember('cccc', 'ctx', { n: 3 }, true)
    assert.equal(opened.get('bbbb', 'ctx'), undefined)
    assert.deepEqual(opened.get('aaaa', 'ctx')?.value, { n: 1 })
    assert.deepEqual(opened.get('cccc', 'ctx'), { context: 'ctx', value: { n: 3 }, rotated: true })
  })

  it('keeps nothing larger than the whole budget, and still freezes it', () => {
    const opened = createOpenedValues(3)
    const value = opened.remember('long', 'ctx', { deep: { n: 1 } }, false) as {
      deep: { n: number }
    }
    assert.ok(Object.isFrozen(value.deep))
    assert.equal(opened.get('long', 'ctx'), undefined)
  })

  it('answers only for the context the text was opened in', () => {
    const opened = createOpenedValues(100)
    opened.remember('text', 'session', {}, false)
    assert.equal(opened.get('text', 'login'), undefined)
    assert.ok(opened.get('text', 'session'))
  })
})
