import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { AccessTokenClaims } from '../verifier/access-token-claims.ts'
import { definePermissions } from './define-permissions.ts'
import { pickPermittedFields } from './pick-permitted-fields.ts'

const claims: AccessTokenClaims = {
  iss: 'https://idp.test',
  sub: 'bob-sub',
  aud: 'https://api.test',
  exp: 2e9,
  client_id: 'spa',
  roles: ['editor'],
}

describe('field-level rules (S-31)', () => {
  const permissions = definePermissions((_caller, can) => {
    can('read', 'Article', ['id', 'title', 'body'])
    can('update', 'Article', ['title', 'body'], { authorId: '${user.sub}' })
  })
  const ability = permissions.abilityFor(claims)

  it('filters a response down to the readable fields', () => {
    const record = { id: '1', title: 't', body: 'b', authorId: 'bob-sub', internalNotes: 'x' }
    assert.deepEqual(pickPermittedFields(ability, 'read', 'Article', record), {
      id: '1',
      title: 't',
      body: 'b',
    })
  })

  it('filters a write down to the writable fields of a record the caller may update', () => {
    const input = { title: 'new', status: 'published', authorId: 'bob-sub' }
    assert.deepEqual(pickPermittedFields(ability, 'update', 'Article', input), { title: 'new' })
  })

  it('keeps nothing of a record the caller may not update at all', () => {
    const input = { title: 'new', authorId: 'alice-sub' }
    assert.deepEqual(pickPermittedFields(ability, 'update', 'Article', input), {})
  })

  it('ships the field rules to the SPA as well', () => {
    const packed = JSON.stringify(permissions.rulesFor(claims))
    assert.match(packed, /"title,body"|\["title","body"\]/)
  })
})
