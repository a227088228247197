import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { createMongoAbility, subject } from '@casl/ability'
import { unpackRules } from '@casl/ability/extra'
import { articlePolicy, articlePolicyData } from '../../test/fixtures/article-policy.ts'
import type { AccessTokenClaims } from '../verifier/access-token-claims.ts'
import { definePermissions } from './define-permissions.ts'

const BOB = 'bob-sub'

function claimsOf(
  sub: string,
  roles: unknown,
  extra: Record<string, unknown> = {},
): AccessTokenClaims {
  return {
    iss: 'https://idp.test',
    sub,
    aud: 'https://api.test',
    exp: 2e9,
    client_id: 'spa',
    roles,
    ...extra,
  }
}

const article = (authorId: string, status: 'draft' | 'published') =>
  subject('Article', { id: '1', authorId, status, title: 't' })
const comment = subject('Comment', { id: 'c1', articleId: '1' })

describe('definePermissions', () => {
  for (const [form, policy] of [
    ['code', articlePolicy],
    ['data', articlePolicyData],
  ] as const) {
    describe(`the article policy as ${form}`, () => {
      const permissions = definePermissions(policy)

      it('denies by default: no role, no permission (S-30)', () => {
        const ability = permissions.abilityFor(claimsOf('nobody', undefined))
        assert.equal(ability.can('read', 'Article'), false)
        assert.equal(ability.can('read', article('x', 'published')), false)
        assert.deepEqual(
          ability.rules.filter((rule) => !rule.inverted),
          [],
        )
      })

      it('lets an editor update only their own drafts (S-31 record level)', () => {
        const ability = permissions.abilityFor(claimsOf(BOB, ['editor']))
        assert.equal(ability.can('update', 'Article'), true) // endpoint level: some article
        assert.equal(ability.can('update', article(BOB, 'draft')), true)
        assert.equal(ability.can('update', article('alice-sub', 'draft')), false)
        assert.equal(ability.can('update', article(BOB, 'published')), false)
        assert.equal(ability.can('create', 'Article'), true)
        assert.equal(ability.can('create', 'Comment'), true)
        assert.equal(ability.can('delete', article(BOB, 'draft')), false)
      })

      it('lets a viewer read published articles and comments only', () => {
        const ability = permissions.abilityFor(claimsOf('carol-sub', ['viewer']))
        assert.equal(ability.can('read', article('x', 'published')), true)
        assert.equal(ability.can('read', article('x', 'draft')), false)
        assert.equal(ability.can('read', comment), true)
        assert.equal(ability.can('update', article('carol-sub', 'draft')), false)
        assert.equal(ability.can('create', 'Article'), false)
      })

      it('lets an admin manage everything except deleting comments (inverted rule)', () => {
        const ability = permissions.abilityFor(claimsOf('alice-sub', ['admin']))
        assert.equal(ability.can('delete', article('bob', 'published')), true)
        assert.equal(ability.can('update', comment), true)
        assert.equal(ability.can('delete', comment), false)
        assert.equal(ability.can('delete', 'Comment'), false)
      })

      it('packs the rules with the caller filled in, deciding like the API (S-30)', () => {
        const packed = permissions.rulesFor(claimsOf(BOB, ['editor']))
        assert.ok(JSON.stringify(packed).includes(BOB))
        assert.ok(!JSON.stringify(packed).includes('${user.sub}'))
        const spa = createMongoAbility(unpackRules(packed))
        assert.equal(spa.can('update', article(BOB, 'draft')), true)
        assert.equal(spa.can('update', article('alice-sub', 'draft')), false)
        assert.equal(spa.can('delete', 'Comment'), false)
      })
    })
  }

  it('answers my-permissions with the packed rules, never cached', async () => {
    const permissions = definePermissions(articlePolicy)
    const response = permissions.myPermissionsHandler({ claims: claimsOf(BOB, ['editor']) })
    assert.equal(response.status, 200)
    assert.equal(response.headers.get('cache-control'), 'no-store')
    const body = (await response.json()) as { rules: unknown }
    assert.deepEqual(body.rules, permissions.rulesFor(claimsOf(BOB, ['editor'])))
  })

  it('fails closed on a placeholder that names nothing (S-32)', () => {
    const permissions = definePermissions((_caller, can, cannot) => {
      can('read', 'Article', { tenant: '${user.claims.tenant}' })
      can('read', 'Comment')
      cannot('read', 'Comment', { tenant: '${user.claims.tenant}' })
    })
    const ability = permissions.abilityFor(claimsOf(BOB, []))
    // No tenant claim: the `can` grants nothing, the `cannot` forbids everywhere.
    assert.equal(ability.can('read', subject('Article', { tenant: undefined })), false)
    assert.equal(ability.can('read', subject('Comment', { tenant: 'x' })), false)
    const withTenant = permissions.abilityFor(claimsOf(BOB, [], { tenant: 't1' }))
    assert.equal(withTenant.can('read', subject('Article', { tenant: 't1' })), true)
    assert.equal(withTenant.can('read', subject('Article', { tenant: 't2' })), false)
  })

  it('never fills a placeholder with an object from a claim (operator injection)', () => {
    const permissions = definePermissions((_caller, can) => {
      can('read', 'Article', { authorId: '${user.claims.nickname}' })
    })
    const claims = claimsOf(BOB, [], { nickname: { $ne: 'nobody' } })
    assert.equal(permissions.abilityFor(claims).can('read', article('anyone', 'draft')), false)
  })

  it('ignores a roles claim of an unexpected shape', () => {
    const permissions = definePermissions(articlePolicy)
    const ability = permissions.abilityFor(claimsOf(BOB, [{ admin: true }, 42]))
    assert.equal(ability.can('read', 'Article'), false)
  })

  it('grants per scope in the data form, and refuses roles named after Object members', () => {
    const permissions = definePermissions({
      scopes: { 'articles:read': [{ action: 'read', subject: 'Article' }] },
      roles: { constructor: [{ action: 'manage', subject: 'all' }] },
    })
    const reader = permissions.abilityFor(claimsOf(BOB, [], { scope: 'openid articles:read' }))
    assert.equal(reader.can('read', 'Article'), true)
    assert.equal(permissions.abilityFor(claimsOf(BOB, ['toString'])).can('read', 'Article'), false)
  })

  it('refuses a policy that is neither code nor data', () => {
    assert.throws(() => definePermissions(null as never), TypeError)
  })
})
