import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { webCryptoAesGcm, type AesGcm } from './aes-gcm.ts'
import { decodeBase64Url, encodeBase64Url } from './base64url.ts'
import { createSealer } from './sealer.ts'

const newKey = encodeBase64Url(crypto.getRandomValues(new Uint8Array(32)))
const oldKey = encodeBase64Url(crypto.getRandomValues(new Uint8Array(48)))
const otherKey = encodeBase64Url(crypto.getRandomValues(new Uint8Array(32)))
const text = new TextEncoder().encode('tokens go here')

/** Bytes the seal adds: version 1 + key id 4 + IV 12 + GCM tag 16. */
const OVERHEAD_BYTES = 33

describe('createSealer', () => {
  it('round-trips bytes and JSON under the newest key, not rotated (C-09)', async () => {
    const sealer = await createSealer([newKey, oldKey])
    const sealed = await sealer.seal(text, 'ctx')
    assert.match(sealed, /^[A-Za-z0-9_-]+$/)
    assert.deepEqual(await sealer.open(sealed, 'ctx'), { plaintext: text, rotated: false })
    const json = { a: 1, b: ['x'], c: null }
    assert.deepEqual(await sealer.openJson(await sealer.sealJson(json, 'ctx'), 'ctx'), {
      value: json,
      rotated: false,
    })
  })

  it('never reveals the plaintext and uses a fresh IV per seal', async () => {
    const sealer = await createSealer([newKey])
    const a = await sealer.seal(text, 'ctx')
    const b = await sealer.seal(text, 'ctx')
    assert.notEqual(a, b)
    assert.ok(!Buffer.from(decodeBase64Url(a)).includes(Buffer.from(text)))
  })

  it('does not open a value sealed for another context', async () => {
    const sealer = await createSealer([newKey])
    assert.equal(await sealer.open(await sealer.seal(text, 'session'), 'login-tx'), undefined)
    assert.equal(await sealer.openJson(await sealer.sealJson({}, 'a'), 'b'), undefined)
  })

  it('refuses a value with any single byte altered', async () => {
    const sealer = await createSealer([newKey])
    const bytes = decodeBase64Url(await sealer.seal(text, 'ctx'))
    for (let i = 0; i < bytes.length; i++) {
      const tampered = bytes.slice()
      tampered[i]! ^= 1
      assert.equal(await sealer.open(encodeBase64Url(tampered), 'ctx'), undefined, `byte ${i}`)
    }
  })

  it('refuses truncated, extended, empty and malformed values without throwing', async () => {
    const sealer = await createSealer([newKey])
    const sealed = await sealer.seal(text, 'ctx')
    const bytes = decodeBase64Url(sealed)
    for (let length = 0; length < bytes.length; length++) {
      const truncated = encodeBase64Url(bytes.subarray(0, length))
      assert.equal(await sealer.open(truncated, 'ctx'), undefined, `length ${length}`)
    }
    for (const garbage of [
      '',
      'A',
      '!!!!',
      `${sealed}AA`,
      `${sealed}=`,
      `+${sealed.slice(1)}`,
      'x'.repeat(5000),
      undefined as unknown as string,
    ]) {
      assert.equal(await sealer.open(garbage, 'ctx'), undefined)
      assert.equal(await sealer.openJson(garbage, 'ctx'), undefined)
    }
  })

  it('opens a value sealed with an older key and flags it rotated, so it is re-sealed', async () => {
    const before = await createSealer([oldKey])
    const after = await createSealer([newKey, oldKey])
    const sealed = await before.sealJson({ user: 'alice' }, 'ctx')
    assert.deepEqual(await after.openJson(sealed, 'ctx'), {
      value: { user: 'alice' },
      rotated: true,
    })
    const resealed = await after.sealJson({ user: 'alice' }, 'ctx')
    assert.equal((await after.openJson(resealed, 'ctx'))?.rotated, false)
    assert.equal(await before.open(resealed, 'ctx'), undefined)
  })

  it('opens the same sealed text again from memory: one shared, frozen value (C-09)', async () => {
    let decrypts = 0
    const counting: AesGcm = async (raw) => {
      const key = await webCryptoAesGcm(raw)
      return {
        encrypt: (...args) => key.encrypt(...args),
        decrypt: (...args) => {
          decrypts++
          return key.decrypt(...args)
        },
      }
    }
    const before = await createSealer([oldKey])
    const sealer = await createSealer([newKey, oldKey], { aesGcm: counting })
    const sealed = await before.sealJson({ user: 'alice', roles: ['a'] }, 'ctx')
    const first = await sealer.openJson<{ roles: string[] }>(sealed, 'ctx')
    const second = await sealer.openJson<{ roles: string[] }>(sealed, 'ctx')
    assert.equal(decrypts, 1)
    assert.equal(second?.value, first?.value)
    assert.equal(second?.rotated, true)
    assert.ok(Object.isFrozen(first?.value) && Object.isFrozen(first?.value.roles))
    // Remembered per context: the same text under another purpose still does not open.
    assert.equal(await sealer.openJson(sealed, 'other'), undefined)
    // A text that fails to open is never remembered: each try pays the tag check again.
    const altered = `${sealed.slice(0, 40)}${sealed[40] === 'A' ? 'B' : 'A'}${sealed.slice(41)}`
    decrypts = 0
    assert.equal(await sealer.openJson(altered, 'ctx'), undefined)
    assert.equal(await sealer.openJson(altered, 'ctx'), undefined)
    assert.equal(decrypts, 2)
  })

  it('refuses a value sealed with a key no longer configured', async () => {
    const retired = await createSealer([otherKey])
    const sealer = await createSealer([newKey, oldKey])
    assert.equal(await sealer.open(await retired.seal(text, 'ctx'), 'ctx'), undefined)
  })

  it(`adds a constant ${OVERHEAD_BYTES}-byte overhead before base64url`, async () => {
    const sealer = await createSealer([newKey])
    for (const length of [0, 1, 2, 3, 100, 3000]) {
      const sealed = await sealer.seal(new Uint8Array(length), 'ctx')
      assert.equal(decodeBase64Url(sealed).length, length + OVERHEAD_BYTES)
      assert.equal(sealed.length, Math.ceil(((length + OVERHEAD_BYTES) * 4) / 3))
    }
    assert.equal((await sealer.seal(new Uint8Array(0), 'ctx')).length, 44)
  })

  it('refuses at start-up an empty key list or a key that is short or not base64url', async () => {
    await assert.rejects(createSealer([]), TypeError)
    await assert.rejects(createSealer([encodeBase64Url(new Uint8Array(31))]), TypeError)
    await assert.rejects(createSealer([newKey, `${newKey}+`]), TypeError)
  })

  it('never puts a key in an error message', async () => {
    const short = encodeBase64Url(new Uint8Array(16).fill(7))
    await assert.rejects(createSealer([short]), (error: Error) => !error.message.includes(short))
  })

  it('refuses to seal a value that has no JSON form', async () => {
    const sealer = await createSealer([newKey])
    await assert.rejects(sealer.sealJson(undefined, 'ctx'), TypeError)
  })
})
