import assert from 'node:assert/strict'
import { once } from 'node:events'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { describe, it, type TestContext } from 'node:test'
import { SignJWT, exportJWK, generateKeyPair, type CryptoKey, type JWTPayload } from 'jose'
import { startDemoApi } from '../src/index.ts'

const AUDIENCE = 'http://api.demo.test'

/** A tiny issuer on 127.0.0.1:0: a discovery document and a JWKS with one ES256 key. */
async function startIssuer(t: TestContext) {
  const { publicKey, privateKey } = await generateKeyPair('ES256')
  const jwk = { ...(await exportJWK(publicKey)), kid: 'key-1', alg: 'ES256', use: 'sig' }
  let issuer = ''
  const server = createServer((req, res) => {
    const body =
      req.url === '/.well-known/openid-configuration'
        ? { issuer, jwks_uri: `${issuer}/jwks` }
        : req.url === '/jwks'
          ? { keys: [jwk] }
          : undefined
    res.writeHead(body ? 200 : 404, { 'content-type': 'application/json' })
    res.end(JSON.stringify(body ?? {}))
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  t.after(() => {
    server.closeAllConnections()
    server.close()
  })
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return { issuer, privateKey }
}

function sign(
  privateKey: CryptoKey,
  claims: JWTPayload & { iss: string },
  header: { typ?: string; kid?: string } = {},
): Promise<string> {
  const now = Math.floor(Date.now() / 1000)
  return new SignJWT({
    sub: 'user-1',
    aud: AUDIENCE,
    iat: now,
    jti: crypto.randomUUID(),
    exp: now + 300,
    scope: 'demo:read',
    client_id: 'coatcheck-demo',
    roles: ['admin'],
    ...claims,
  })
    .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: 'key-1', ...header })
    .sign(privateKey)
}

async function startApi(t: TestContext, issuer: string) {
  const api = await startDemoApi({ port: 0, issuer, audience: AUDIENCE })
  t.after(() => api.close())
  return (token?: string, path = '/whoami', init: RequestInit = {}) =>
    fetch(`${api.url}${path}`, {
      ...init,
      headers: token ? { authorization: `Bearer ${token}` } : {},
    })
}

const BOB = '0c9d8e7f-6a5b-4c3d-8e2f-1a0b9c8d7e6f'
const ALICE = '6f1b7c2e-4a5d-4c1e-9a8b-2d3e4f5a6b7c'

describe('demo API', () => {
  it('answers who called when the access token verifies, never echoing it', async (t) => {
    const { issuer, privateKey } = await startIssuer(t)
    const call = await startApi(t, issuer)
    const token = await sign(privateKey, { iss: issuer })
    const response = await call(token)
    const text = await response.text()
    assert.equal(response.status, 200)
    assert.deepEqual(JSON.parse(text).caller, { sub: 'user-1', roles: ['admin'], scheme: 'Bearer' })
    assert.ok(!text.includes(token), 'the token is never echoed')
  })

  it('refuses an ID token (typ JWT) and a token for another audience (S-01, S-03)', async (t) => {
    const { issuer, privateKey } = await startIssuer(t)
    const call = await startApi(t, issuer)
    for (const token of [
      await sign(privateKey, { iss: issuer }, { typ: 'JWT' }),
      await sign(privateKey, { iss: issuer, aud: 'http://other-api.test' }),
    ]) {
      const response = await call(token)
      assert.equal(response.status, 401)
      assert.match(response.headers.get('www-authenticate') ?? '', /error="invalid_token"/)
    }
    const anonymous = await call()
    assert.equal(anonymous.status, 401)
    assert.match(anonymous.headers.get('www-authenticate') ?? '', /^Bearer realm="coatcheck-demo"/)
  })

  it('lets bob edit his own draft only, and answers 403 JSON otherwise (S-30, S-31)', async (t) => {
    const { issuer, privateKey } = await startIssuer(t)
    const call = await startApi(t, issuer)
    const bob = await sign(privateKey, { iss: issuer, sub: BOB, roles: ['editor'] })
    const put = (id: string, body: string) => call(bob, `/articles/${id}`, { method: 'PUT', body })
    const edit = JSON.stringify({ title: 'DPoP, plainly', body: 'Bound tokens.' })
    const own = await put('bobs-draft', edit)
    assert.equal(own.status, 200)
    assert.equal(((await own.json()) as { title: string }).title, 'DPoP, plainly')
    for (const id of ['welcome', 'alices-draft']) {
      const refused = await put(id, edit)
      assert.equal(refused.status, 403, id)
      assert.equal(((await refused.json()) as { error: string }).error, 'insufficient_scope')
    }
    assert.equal((await put('bobs-draft', '{not json')).status, 400)
    const publish = await call(bob, '/articles/bobs-draft/publish', { method: 'POST' })
    assert.equal(publish.status, 403, 'only an admin publishes')
  })

  it('shows carol the published articles only; nobody deletes a comment, not even alice', async (t) => {
    const { issuer, privateKey } = await startIssuer(t)
    const call = await startApi(t, issuer)
    const carol = await sign(privateKey, { iss: issuer, sub: 'carol', roles: ['viewer'] })
    const list = (await (await call(carol, '/articles')).json()) as { id: string }[]
    assert.deepEqual(
      list.map((article) => article.id),
      ['welcome'],
    )
    assert.equal((await call(carol, '/articles/bobs-draft')).status, 404)
    const alice = await sign(privateKey, { iss: issuer, sub: ALICE, roles: ['admin'] })
    assert.equal((await call(alice, '/comments/first', { method: 'DELETE' })).status, 403)
    assert.equal(
      (await call(alice, '/articles/bobs-draft/publish', { method: 'POST' })).status,
      200,
    )
  })

  it("serves the caller's rules at /my-permissions (S-30)", async (t) => {
    const { issuer, privateKey } = await startIssuer(t)
    const call = await startApi(t, issuer)
    const bob = await sign(privateKey, { iss: issuer, sub: BOB, roles: ['editor'] })
    const response = await call(bob, '/my-permissions')
    assert.equal(response.status, 200)
    const { rules } = (await response.json()) as { rules: unknown[] }
    assert.ok(JSON.stringify(rules).includes(BOB), 'conditions filled with the caller')
  })
})
