import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { TokenVerifier, VerifyResult } from '../../verifier/create-token-verifier.ts'
import { ApiAuthError } from '../../errors/api-auth-error.ts'
import { definePermissions } from '../../permissions/define-permissions.ts'
import { authenticate, createAuthenticator } from './auth-context.ts'

const RESULT: VerifyResult = {
  claims: {
    iss: 'https://idp.test',
    sub: 'u1',
    aud: 'https://api.test',
    exp: 2e9,
    client_id: 'spa',
  },
  token: { type: 'jwt', scheme: 'Bearer' },
}
const REQUEST = { method: 'GET', url: '/articles', headers: {} }

function stubVerifier(): TokenVerifier & { calls: number } {
  return {
    calls: 0,
    async verify() {
      this.calls++
      return RESULT
    },
    forbid: () => new ApiAuthError('permission_denied', { wwwAuthenticate: 'Bearer' }),
  }
}

describe('adapter auth context', () => {
  it('reuses the context it verified, never one set by someone else', async () => {
    const verifier = stubVerifier()
    const authenticateOnce = createAuthenticator({ verifier })
    const mine = await authenticateOnce(REQUEST, undefined)
    assert.equal(await authenticateOnce(REQUEST, mine), mine)
    assert.equal(verifier.calls, 1)
    const forged = { ...mine, ability: mine.ability }
    assert.notEqual(await authenticateOnce(REQUEST, forged), forged)
    assert.equal(verifier.calls, 2)
    // Another adapter instance (another API) verifies again.
    await createAuthenticator({ verifier })(REQUEST, mine)
    assert.equal(verifier.calls, 3)
  })

  it('denies everything without permissions, and assertCan throws the 403 (S-30)', async () => {
    const auth = await authenticate(REQUEST, { verifier: stubVerifier() })
    assert.equal(auth.ability.can('read', 'Article'), false)
    assert.throws(() => auth.assertCan('read', 'Article'), {
      code: 'insufficient_scope',
      status: 403,
    })
    const allowed = await authenticate(REQUEST, {
      verifier: stubVerifier(),
      permissions: definePermissions({ everyone: [{ action: 'read', subject: 'Article' }] }),
    })
    allowed.assertCan('read', 'Article')
  })
})
