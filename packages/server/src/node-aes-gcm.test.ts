import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { describe, it } from 'node:test'
import { createSealer } from '@coatcheck/core'
import { nodeAesGcm } from './node-aes-gcm.ts'

const keys = [randomBytes(32).toString('base64url'), randomBytes(32).toString('base64url')]

describe('nodeAesGcm', () => {
  it('opens what WebCrypto sealed and the other way round (C-09)', async () => {
    const web = await createSealer(keys)
    const node = await createSealer(keys, { aesGcm: nodeAesGcm })
    const value = { id: 'session', tokens: 'x'.repeat(1500) }
    assert.deepEqual((await node.openJson(await web.sealJson(value, 'ctx'), 'ctx'))?.value, value)
    assert.deepEqual((await web.openJson(await node.sealJson(value, 'ctx'), 'ctx'))?.value, value)
  })

  it('refuses altered bytes, another context and a key it does not hold (C-09)', async () => {
    const node = await createSealer(keys, { aesGcm: nodeAesGcm })
    const sealed = await node.seal(new TextEncoder().encode('secret'), 'ctx')
    const flipped = sealed.slice(0, -3) + (sealed.at(-3) === 'A' ? 'B' : 'A') + sealed.slice(-2)
    assert.equal(await node.open(flipped, 'ctx'), undefined)
    assert.equal(await node.open(sealed, 'other'), undefined)
    const stranger = await createSealer([randomBytes(32).toString('base64url')], {
      aesGcm: nodeAesGcm,
    })
    assert.equal(await stranger.open(sealed, 'ctx'), undefined)
  })

  it('flags a value sealed under an older key as rotated', async () => {
    const old = await createSealer([keys[1] as string], { aesGcm: nodeAesGcm })
    const both = await createSealer(keys, { aesGcm: nodeAesGcm })
    const opened = await both.open(await old.seal(new Uint8Array([1, 2, 3]), 'ctx'), 'ctx')
    assert.deepEqual([...(opened?.plaintext ?? [])], [1, 2, 3])
    assert.equal(opened?.rotated, true)
  })
})
