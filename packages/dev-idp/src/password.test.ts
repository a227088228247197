import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { hashPassword, parsePasswordHash, verifyPassword } from './password.ts'

describe('hashPassword / verifyPassword', () => {
  it('produces scrypt$N$r$p$salt$hash and verifies the same password', async () => {
    const hash = await hashPassword('wonderland')
    assert.match(hash, /^scrypt\$16384\$8\$1\$[\w-]{22}\$[\w-]{43}$/)
    assert.equal(await verifyPassword('wonderland', hash), true)
  })

  it('rejects a different password', async () => {
    const hash = await hashPassword('wonderland')
    assert.equal(await verifyPassword('Wonderland', hash), false)
    assert.equal(await verifyPassword('', hash), false)
  })

  it('salts every hash', async () => {
    assert.notEqual(await hashPassword('same'), await hashPassword('same'))
  })

  it('refuses to hash an empty password', async () => {
    await assert.rejects(hashPassword(''), TypeError)
  })
})

describe('parsePasswordHash', () => {
  const salt = 'AAAAAAAAAAAAAAAAAAAAAA'
  const hash = 'A'.repeat(43)

  it('accepts a well-formed hash', () => {
    assert.equal(parsePasswordHash(`scrypt$16384$8$1$${salt}$${hash}`).cost, 16384)
  })

  for (const [label, encoded] of [
    ['a plain password', 'wonderland'],
    ['another scheme', `bcrypt$16384$8$1$${salt}$${hash}`],
    ['N not a power of two', `scrypt$10000$8$1$${salt}$${hash}`],
    ['N large enough to exhaust memory', `scrypt$${2 ** 24}$8$1$${salt}$${hash}`],
    ['a huge parallelism', `scrypt$16384$8$1000$${salt}$${hash}`],
    ['a short hash', `scrypt$16384$8$1$${salt}$AAAA`],
    ['a non-base64url salt', `scrypt$16384$8$1$a+b/$${hash}`],
  ]) {
    it(`refuses ${label}`, () => {
      assert.throws(() => parsePasswordHash(encoded ?? ''), TypeError)
    })
  }
})
