import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { hashPassword } from './password.ts'
import { loadUsers, type DevUser } from './users.ts'

describe('loadUsers', () => {
  it('loads the shipped seed users with their subjects and claims', async () => {
    const directory = await loadUsers()
    assert.deepEqual(
      directory.users.map((user) => [user.username, user.claims.roles]),
      [
        ['alice', ['admin']],
        ['bob', ['editor']],
        ['carol', ['viewer']],
      ],
    )
    const alice = directory.users[0]
    assert.equal(directory.findBySub(alice?.sub ?? '')?.username, 'alice')
  })

  it('authenticates the seed users with their documented passwords only', async () => {
    const directory = await loadUsers()
    assert.equal((await directory.authenticate('alice', 'wonderland'))?.username, 'alice')
    assert.equal((await directory.authenticate('bob', 'builder'))?.username, 'bob')
    assert.equal((await directory.authenticate('carol', 'marvel'))?.username, 'carol')
    assert.equal(await directory.authenticate('alice', 'builder'), undefined)
    assert.equal(await directory.authenticate('nobody', 'wonderland'), undefined)
  })

  it('defaults sub to the username', async () => {
    const passwordHash = await hashPassword('pw')
    const directory = await loadUsers([{ username: 'dave', passwordHash, claims: {} }])
    assert.equal(directory.users[0]?.sub, 'dave')
  })

  it('refuses duplicate usernames and subjects', async () => {
    const passwordHash = await hashPassword('pw')
    const user: DevUser = { username: 'dave', passwordHash, claims: {} }
    await assert.rejects(loadUsers([user, user]), /duplicate username/)
    await assert.rejects(
      loadUsers([user, { ...user, username: 'eve', sub: 'dave' }]),
      /duplicate sub/,
    )
  })

  it('refuses a plain-text password, naming the entry', async () => {
    await assert.rejects(
      loadUsers([{ username: 'dave', passwordHash: 'secret', claims: {} }]),
      /`users`\[0\]\.passwordHash/,
    )
  })

  it('refuses an empty list', async () => {
    await assert.rejects(loadUsers([]), TypeError)
  })
})
