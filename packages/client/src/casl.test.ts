import { afterEach, beforeEach, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { packRules } from '@casl/ability/extra'
import { casl, subject } from './casl.ts'
import { createCoatcheck } from './create-coatcheck.ts'
import type { Coatcheck } from './coatcheck.ts'
import {
  BASE,
  FakeBroadcastChannel,
  aliceSession,
  createFakeCoatcheck,
  replaceGlobal,
  type FakeCoatcheck,
} from '../test/support/fakes.ts'

// bob the editor: may read everything, update his own drafts (but never their `authorId`),
// and never delete a Comment.
const BOB_RULES = packRules([
  { action: 'read', subject: 'all' },
  { action: 'update', subject: 'Article', conditions: { authorId: 'bob', status: 'draft' } },
  { action: 'update', subject: 'Article', fields: ['authorId'], inverted: true },
  { action: 'manage', subject: 'Comment' },
  { action: 'delete', subject: 'Comment', inverted: true },
])

const ownDraft = subject('Article', { id: 1, authorId: 'bob', status: 'draft' })
const alicesArticle = subject('Article', { id: 2, authorId: 'alice', status: 'published' })

let restore: () => void = () => {}
let client: Coatcheck<unknown> | undefined
beforeEach(() => {
  FakeBroadcastChannel.reset()
  restore = replaceGlobal('BroadcastChannel', FakeBroadcastChannel)
})
afterEach(() => {
  client?.close()
  restore()
})

function bobSession(rules: unknown = BOB_RULES) {
  return aliceSession({ user: { sub: 'bob', name: 'Bob' }, permissions: { rules } })
}

function createWithCasl(fake: FakeCoatcheck) {
  const created = createCoatcheck({
    baseUrl: BASE,
    fetch: fake.fetch,
    events: false,
    permissions: casl(),
  })
  client = created
  return created
}

describe('permissions with casl()', () => {
  it('answers can() from the rules /auth/session carries, conditions and inverted rules included', async () => {
    const coatcheck = createWithCasl(createFakeCoatcheck(bobSession()))
    await coatcheck.refresh()
    assert.equal(coatcheck.can('read', 'Article'), true)
    assert.equal(coatcheck.can('update', ownDraft), true)
    assert.equal(coatcheck.can('update', alicesArticle), false)
    assert.equal(coatcheck.can('update', ownDraft, 'title'), true)
    assert.equal(coatcheck.can('update', ownDraft, 'authorId'), false)
    assert.equal(coatcheck.can('create', 'Comment'), true)
    assert.equal(coatcheck.can('delete', 'Comment'), false)
    assert.equal(coatcheck.ability.can('update', ownDraft), true, 'the CASL ability is exposed')
  })

  it('denies everything before the session is known and after it ends', async () => {
    const fake = createFakeCoatcheck(bobSession())
    const coatcheck = createWithCasl(fake)
    assert.equal(coatcheck.can('read', 'Article'), false)
    await coatcheck.refresh()
    fake.session = null
    await coatcheck.refresh()
    assert.equal(coatcheck.getSnapshot().status, 'ended')
    assert.equal(coatcheck.can('read', 'Article'), false)
    assert.deepEqual(coatcheck.ability.rules, [])
  })

  it('tells listeners when only the rules change, keeping the session snapshot', async () => {
    const fake = createFakeCoatcheck(bobSession())
    const coatcheck = createWithCasl(fake)
    const before = await coatcheck.refresh()
    let told = 0
    coatcheck.subscribe(() => told++)
    fake.session = bobSession(packRules([{ action: 'read', subject: 'Article' }]))
    await coatcheck.refresh()
    assert.equal(told, 1)
    assert.equal(coatcheck.getSnapshot(), before)
    assert.equal(coatcheck.can('update', ownDraft), false)
  })

  it('treats a session without permissions as no rules', async () => {
    const coatcheck = createWithCasl(createFakeCoatcheck(aliceSession()))
    await coatcheck.refresh()
    assert.equal(coatcheck.can('read', 'Article'), false)
  })

  it('says no, and exposes no ability, without a permissions engine', async () => {
    const coatcheck = createCoatcheck({
      baseUrl: BASE,
      fetch: createFakeCoatcheck(bobSession()).fetch,
      events: false,
    })
    client = coatcheck
    await coatcheck.refresh()
    assert.equal(coatcheck.can('read', 'Article'), false)
    assert.equal(coatcheck.ability, undefined)
  })
})
