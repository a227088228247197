import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { createTestSession } from '@coatcheck/core/testing'
import { createReadSessions } from './read-sessions.ts'

describe('createReadSessions', () => {
  const connection = {}

  it('holds what a read found while the connection and its data version stay the same', () => {
    const read = createReadSessions()
    const session = createTestSession()
    read.check(connection, 1)
    assert.equal(read.get(session.id, 0), undefined)
    read.remember(session.id, session, 10_000, read.generation())
    assert.equal(read.get(session.id, 5_000), session)
    read.check(connection, 1)
    assert.equal(read.get(session.id, 5_000), session)
    read.check(connection, 2)
    assert.equal(read.get(session.id, 5_000), undefined, 'another connection committed')
    read.remember(session.id, session, 10_000, read.generation())
    read.check({}, 2)
    assert.equal(read.get(session.id, 5_000), undefined, 'the file was reopened')
  })

  it('does not answer with a held session whose time is up (C-12)', () => {
    const read = createReadSessions()
    const session = createTestSession()
    read.remember(session.id, session, 10_000, read.generation())
    assert.equal(read.get(session.id, 10_000), undefined)
  })

  it('does not hold a row read before a write of this process forgot it (R-04)', () => {
    const read = createReadSessions()
    const session = createTestSession()
    const readAt = read.generation()
    read.forget(session.id)
    read.remember(session.id, session, 10_000, readAt)
    assert.equal(read.get(session.id, 0), undefined)
    const other = createTestSession()
    const later = read.generation()
    read.forgetAll()
    read.remember(other.id, other, 10_000, later)
    assert.equal(read.get(other.id, 0), undefined)
  })
})
