import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { decodeBase64Url, encodeBase64Url } from './base64url.ts'
import { randomId } from './random-id.ts'

describe('base64url', () => {
  it('matches Node for every length from 0 to 64 bytes and round-trips', () => {
    for (let length = 0; length <= 64; length++) {
      const bytes = crypto.getRandomValues(new Uint8Array(length))
      const text = encodeBase64Url(bytes)
      assert.equal(text, Buffer.from(bytes).toString('base64url'))
      assert.deepEqual(decodeBase64Url(text), bytes)
    }
  })

  it('refuses padding, whitespace, the +/ alphabet, impossible lengths and non-ASCII', () => {
    for (const bad of ['AA==', 'AA A', 'a+b/', 'A', 'AAAAA', 'AAé', '\u0100AAA']) {
      assert.throws(() => decodeBase64Url(bad), TypeError, bad)
    }
  })

  it('refuses non-canonical trailing bits, so one value has one spelling', () => {
    assert.deepEqual(decodeBase64Url('AA'), new Uint8Array([0]))
    assert.throws(() => decodeBase64Url('AB'), TypeError)
    assert.deepEqual(decodeBase64Url('AAA'), new Uint8Array([0, 0]))
    assert.throws(() => decodeBase64Url('AAB'), TypeError)
  })
})

describe('randomId', () => {
  it('gives 128 bits as 22 base64url characters by default, never twice the same (C-08)', () => {
    const ids = new Set(Array.from({ length: 1000 }, () => randomId()))
    assert.equal(ids.size, 1000)
    for (const id of ids) assert.match(id, /^[A-Za-z0-9_-]{22}$/)
    assert.equal(decodeBase64Url(randomId(32)).length, 32)
  })

  it('refuses a byte count that is not a positive integer', () => {
    for (const bytes of [0, -1, 1.5, Number.NaN]) assert.throws(() => randomId(bytes), TypeError)
  })
})
