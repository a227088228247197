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
  return (token?: string) =>
    fetch(`${api.url}/whoami`, token ? { headers: { authorization: `Bearer ${token}` } } : {})
}

describe('demo API', () => {
  it('answers who called when the access token verifies', async (t) => {
    const { issuer, privateKey } = await startIssuer(t)
    const call = await startApi(t, issuer)
    const token = await sign(privateKey, { iss: issuer })
    const response = await call(token)
    const text = await response.text()
    assert.equal(response.status, 200)
    const body = JSON.parse(text)
    assert.deepEqual(body.caller, {
      sub: 'user-1',
      roles: ['admin'],
      scope: 'demo:read',
      client_id: 'coatcheck-demo',
    })
    assert.ok(!Number.isNaN(Date.parse(body.at)))
    assert.ok(!text.includes(token), 'the token is never echoed')
  })

  const refusals = [
    ['another audience', { aud: 'http://other-api.test' }, {}],
    ['another issuer', { iss: 'http://127.0.0.1:1' }, {}],
    ['an ID token (typ JWT)', {}, { typ: 'JWT' }],
    ['an expired token', { exp: Math.floor(Date.now() / 1000) - 600 }, {}],
  ] as const

  for (const [what, claims, header] of refusals) {
    it(`refuses ${what} with 401 and an invalid_token challenge`, async (t) => {
      const { issuer, privateKey } = await startIssuer(t)
      const call = await startApi(t, issuer)
      const response = await call(await sign(privateKey, { iss: issuer, ...claims }, header))
      assert.equal(response.status, 401)
      assert.match(
        response.headers.get('www-authenticate') ?? '',
        /^Bearer .*error="invalid_token"/,
      )
      assert.equal((await response.json()).error, 'invalid_token')
    })
  }

  it('refuses a token signed by another key', async (t) => {
    const { issuer } = await startIssuer(t)
    const call = await startApi(t, issuer)
    const stranger = await generateKeyPair('ES256')
    const response = await call(await sign(stranger.privateKey, { iss: issuer }))
    assert.equal(response.status, 401)
    assert.match(response.headers.get('www-authenticate') ?? '', /error="invalid_token"/)
  })

  it('challenges a request without a token, without an error code (RFC 6750 §3.1)', async (t) => {
    const { issuer } = await startIssuer(t)
    const call = await startApi(t, issuer)
    const response = await call()
    assert.equal(response.status, 401)
    assert.equal(response.headers.get('www-authenticate'), 'Bearer realm="coatcheck-demo"')
  })
})
