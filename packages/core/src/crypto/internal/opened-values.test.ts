import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { createOpenedValues } from './opened-values.ts'

describe('createOpenedValues', () => {
  it('forgets the texts not read since the last pass once over its budget of characters', () => {
    const opened = createOpenedValues(10)
    opened.remember('aaaa', 'ctx', { n: 1 }, false)
    opened.remember('bbbb', 'ctx', { n: 2 }, false)
    assert.deepEqual(opened.get('aaaa', 'ctx')?.value, { n: 1 })
    // 12 characters now: `bbbb`, not read since it was remembered, goes.
    opened.remember('cccc', 'ctx', { n: 3 }, true)
    assert.equal(opened.get('bbbb', 'ctx'), undefined)
    assert.deepEqual(opened.get('aaaa', 'ctx')?.value, { n: 1 })
    const cccc = opened.get('cccc', 'ctx')
    assert.deepEqual([cccc?.context, cccc?.value, cccc?.rotated], ['ctx', { n: 3 }, true])
  })

  it('gives a text that was read a second chance, and only one', () => {
    const opened = createOpenedValues(8)
    opened.remember('aaaa', 'ctx', { n: 1 }, false)
    opened.remember('bbbb', 'ctx', { n: 2 }, false)
    opened.get('aaaa', 'ctx')
    // `aaaa` was read: it moves behind `cccc`, and `bbbb` goes.
    opened.remember('cccc', 'ctx', { n: 3 }, false)
    // `cccc` is now the oldest, unread: it goes.
    opened.remember('dddd', 'ctx', { n: 4 }, false)
    // `aaaa` was not read since it moved: it goes.
    opened.remember('eeee', 'ctx', { n: 5 }, false)
    for (const gone of ['aaaa', 'bbbb', 'cccc']) assert.equal(opened.get(gone, 'ctx'), undefined)
    assert.ok(opened.get('dddd', 'ctx') && opened.get('eeee', 'ctx'))
  })

  it('answers only for the whole text, not for another with the same end', () => {
    const end = 'e'.repeat(40)
    const opened = createOpenedValues(100)
    opened.remember(`a${end}`, 'ctx', { n: 1 }, false)
    assert.equal(opened.get(`b${end}`, 'ctx'), undefined)
    // The newer of two texts with the same end takes the place, and the budget counts one.
    opened.remember(`b${end}`, 'ctx', { n: 2 }, false)
    assert.equal(opened.get(`a${end}`, 'ctx'), undefined)
    assert.deepEqual(opened.get(`b${end}`, 'ctx')?.value, { n: 2 })
    opened.remember('c'.repeat(59), 'ctx', { n: 3 }, false)
    assert.ok(opened.get(`b${end}`, 'ctx') && opened.get('c'.repeat(59), 'ctx'))
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
