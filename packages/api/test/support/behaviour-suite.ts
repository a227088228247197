// The one behaviour suite every adapter runs: real tokens from the dev IdP, a real HTTP
// server per adapter, assertions on what goes over the wire.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { base64url, SignJWT } from 'jose'
import {
  createTokenVerifier,
  definePermissions,
  type AuthFailureEvent,
  type AuthOptions,
} from '../../src/index.ts'
import { articlePolicy } from '../fixtures/article-policy.ts'
import type { RunningApp } from './apps/articles.ts'
import { createDpopKey, createDpopProof, type DpopKey } from './dpop-proof.ts'
import { API, OTHER_API, startIdp, USERS, type IdpFixture, type LoginTokens } from './idp.ts'
import { createClock } from './refusal.ts'

const PUBLIC_URL = 'https://api.example.test'
const DPOP_ALGS = 'algs="ES256 PS256 RS256 EdDSA Ed25519"'

/** Runs the behaviour suite against the app `start` serves. */
export function runBehaviourSuite(
  adapter: string,
  start: (options: AuthOptions) => Promise<RunningApp>,
) {
  describe(`${adapter} adapter: the shared behaviour suite`, { timeout: 30_000 }, () => {
    let idp: IdpFixture
    let app: RunningApp
    let alice: LoginTokens, bob: LoginTokens, carol: LoginTokens, aliceOther: LoginTokens
    let bound: LoginTokens
    let dpopKey: DpopKey
    const clock = createClock()
    const events: AuthFailureEvent[] = []

    before(async () => {
      idp = await startIdp()
      dpopKey = await createDpopKey()
      ;[alice, bob, carol, aliceOther, bound] = await Promise.all([
        idp.logIn('alice'),
        idp.logIn('bob'),
        idp.logIn('carol'),
        idp.logIn('alice', { resource: OTHER_API }),
        idp.logIn('bob', { dpop: dpopKey.keyPair }),
      ])
      const verifier = createTokenVerifier({
        issuer: idp.issuer,
        audience: API,
        realm: 'articles',
        publicUrl: PUBLIC_URL,
        now: clock.now,
        onFailure: (event) => events.push(event),
      })
      app = await start({ verifier, permissions: definePermissions(articlePolicy) })
    })
    after(async () => {
      await app?.close()
      await idp?.close()
    })

    const call = (
      path: string,
      init: { method?: string; token?: string; headers?: Record<string, string> } = {},
    ) =>
      fetch(`${app.url}${path}`, {
        method: init.method ?? 'GET',
        headers: {
          ...(init.token ? { authorization: `Bearer ${init.token}` } : {}),
          ...init.headers,
        },
      })
    const expectRefusal = async (
      response: Response,
      status: number,
      challenge: string,
      error: string,
    ) => {
      assert.equal(response.status, status)
      assert.equal(response.headers.get('www-authenticate'), challenge)
      assert.equal(response.headers.get('cache-control'), 'no-store')
      assert.equal(((await response.json()) as { error: string }).error, error)
    }
    const invalidToken = 'Bearer realm="articles", error="invalid_token"'

    it('answers a request without token with 401 and both challenges (S-08)', async () => {
      await expectRefusal(
        await call('/articles'),
        401,
        `Bearer realm="articles", DPoP realm="articles", ${DPOP_ALGS}`,
        'missing_token',
      )
    })

    it('refuses an ID token presented as an access token (S-01)', async () => {
      await expectRefusal(
        await call('/articles', { token: alice.idToken }),
        401,
        invalidToken,
        'invalid_token',
      )
    })

    it('refuses a token for another audience (S-03)', async () => {
      await expectRefusal(
        await call('/articles', { token: aliceOther.accessToken }),
        401,
        invalidToken,
        'invalid_token',
      )
    })

    it('refuses an expired token (S-05)', async () => {
      clock.advance(300 + 10)
      try {
        await expectRefusal(
          await call('/articles', { token: alice.accessToken }),
          401,
          invalidToken,
          'invalid_token',
        )
      } finally {
        clock.advance(-(300 + 10))
      }
    })

    it('refuses alg none and HS256 keyed with the public key (S-04)', async () => {
      const [, payload] = alice.accessToken.split('.')
      const none = `${base64url.encode(JSON.stringify({ alg: 'none', typ: 'at+jwt' }))}.${payload}.`
      const jwks = await (await fetch(`${idp.issuer}/jwks`)).text()
      const claims = JSON.parse(
        new TextDecoder().decode(base64url.decode(payload ?? '')),
      ) as Record<string, unknown>
      const hs256 = await new SignJWT(claims)
        .setProtectedHeader({ alg: 'HS256', typ: 'at+jwt' })
        .sign(new TextEncoder().encode(jwks))
      for (const token of [none, hs256]) {
        await expectRefusal(await call('/articles', { token }), 401, invalidToken, 'invalid_token')
      }
    })

    it('refuses a token in the query string with 400 (S-09)', async () => {
      const response = await call(`/articles?access_token=${alice.accessToken}`)
      const challenge = `Bearer realm="articles", error="invalid_request", DPoP realm="articles", ${DPOP_ALGS}`
      await expectRefusal(response, 400, challenge, 'invalid_request')
    })

    it('lets a valid token through to the handler with the caller (S-30)', async () => {
      const response = await call('/articles', { token: alice.accessToken })
      assert.equal(response.status, 200)
      assert.deepEqual(await response.json(), { sub: USERS.alice.sub, scheme: 'Bearer' })
      assert.equal((await call('/articles', { token: carol.accessToken })).status, 200)
    })

    it('answers 403 insufficient_scope for an action nobody may take, even an admin (S-08, S-30)', async () => {
      const response = await call('/comments/1', { method: 'DELETE', token: alice.accessToken })
      await expectRefusal(
        response,
        403,
        'Bearer realm="articles", error="insufficient_scope"',
        'insufficient_scope',
      )
      const logged = events.at(-1)
      assert.equal(logged?.reason, 'permission_denied') // S-32: logged, with who
      assert.equal(logged?.sub, USERS.alice.sub)
    })

    it('checks each record: bob updates his draft, not alice’s article; carol neither (S-31)', async () => {
      assert.equal(
        (await call('/articles/bob-draft', { method: 'PUT', token: bob.accessToken })).status,
        200,
      )
      const refused = await call('/articles/alice-published', {
        method: 'PUT',
        token: bob.accessToken,
      })
      await expectRefusal(
        refused,
        403,
        'Bearer realm="articles", error="insufficient_scope"',
        'insufficient_scope',
      )
      assert.equal(
        (await call('/articles/bob-draft', { method: 'PUT', token: carol.accessToken })).status,
        403,
      )
    })

    it('serves my-permissions: the caller’s packed rules, sub filled in', async () => {
      const response = await call('/my-permissions', { token: bob.accessToken })
      assert.equal(response.status, 200)
      assert.equal(response.headers.get('cache-control'), 'no-store')
      const { rules } = (await response.json()) as { rules: unknown[] }
      assert.ok(JSON.stringify(rules).includes(USERS.bob.sub))
      assert.equal((await call('/my-permissions')).status, 401)
    })

    const dpopCall = async (proof?: string) =>
      call('/articles', {
        headers: {
          authorization: `DPoP ${bound.accessToken}`,
          dpop:
            proof ??
            (await createDpopProof({
              key: dpopKey,
              method: 'GET',
              url: `${PUBLIC_URL}/articles`,
              accessToken: bound.accessToken,
            })),
        },
      })

    it('accepts a DPoP-bound token with its proof (S-20)', async () => {
      const response = await dpopCall()
      assert.equal(response.status, 200)
      assert.deepEqual(await response.json(), { sub: USERS.bob.sub, scheme: 'DPoP' })
    })

    it('refuses a DPoP-bound token presented as Bearer (S-21)', async () => {
      const response = await call('/articles', { token: bound.accessToken })
      await expectRefusal(
        response,
        401,
        `DPoP realm="articles", error="invalid_token", ${DPOP_ALGS}`,
        'invalid_token',
      )
    })

    it('refuses a replayed DPoP proof (S-22)', async () => {
      const proof = await createDpopProof({
        key: dpopKey,
        method: 'GET',
        url: `${PUBLIC_URL}/articles`,
        accessToken: bound.accessToken,
      })
      assert.equal((await dpopCall(proof)).status, 200)
      await expectRefusal(
        await dpopCall(proof),
        401,
        `DPoP realm="articles", error="invalid_dpop_proof", ${DPOP_ALGS}`,
        'invalid_dpop_proof',
      )
    })
  })
}
