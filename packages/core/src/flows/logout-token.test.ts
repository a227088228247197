import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWTPayload } from 'jose'
import type { Configuration } from 'openid-client'
import type { IdentityProvider } from '../oidc/identity-provider.ts'
import {
  createLogoutTokenVerifier,
  LogoutTokenError,
  type LogoutTokenVerifier,
} from './logout-token.ts'

const EVENT = 'http://schemas.openid.net/event/backchannel-logout'
const ISSUER = 'https://idp.example.test'
const CLIENT_ID = 'client'

// A fake identity provider: its JWKS on 127.0.0.1, its metadata in memory.
describe('createLogoutTokenVerifier', () => {
  let server: Server
  let privateKey: CryptoKey
  let publicJwk: Record<string, unknown>
  let verify: LogoutTokenVerifier
  before(async () => {
    const pair = await generateKeyPair('RS256', { extractable: true })
    privateKey = pair.privateKey
    publicJwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' }
    server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ keys: [publicJwk] }))
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const jwksUri = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks`
    const idp: IdentityProvider = {
      configuration: async () =>
        ({ serverMetadata: () => ({ issuer: ISSUER, jwks_uri: jwksUri }) }) as Configuration,
    }
    verify = createLogoutTokenVerifier({ idp, clientId: CLIENT_ID, now: Date.now })
  })
  after(() => new Promise((resolve) => server.close(resolve)))

  const claims = (): JWTPayload => ({
    sub: 'user-1',
    sid: 'sid-1',
    events: { [EVENT]: {} },
    jti: crypto.randomUUID(),
  })
  const sign = (payload: JWTPayload, header: Record<string, unknown> = {}, issuer = ISSUER) =>
    new SignJWT(payload)
      .setProtectedHeader({ alg: 'RS256', kid: 'k1', typ: 'logout+jwt', ...header })
      .setIssuer(issuer)
      .setAudience(CLIENT_ID)
      .setIssuedAt()
      .setExpirationTime('2m')
      .sign(privateKey)

  async function refused(token: string, fault: string) {
    await assert.rejects(verify(token), (error) => {
      assert.ok(error instanceof LogoutTokenError)
      assert.equal(error.fault, fault)
      return true
    })
  }

  it('accepts a well-formed logout token (O-12)', async () => {
    const result = await verify(await sign(claims()))
    assert.equal(result.issuer, ISSUER)
    assert.equal(result.sid, 'sid-1')
    assert.equal(result.sub, 'user-1')
  })

  it('refuses a token of another issuer signed with the right key (O-12 step 4)', async () => {
    await refused(await sign(claims(), {}, 'https://evil.example'), 'claims')
  })

  it('refuses another explicit type: an access token is no logout token (O-15)', async () => {
    await refused(await sign(claims(), { typ: 'at+jwt' }), 'not_logout_token')
    assert.ok(await verify(await sign(claims(), { typ: undefined })), 'typ may be absent')
  })

  it('refuses HMAC signed with the public key as the secret (O-12 step 3)', async () => {
    const secret = new TextEncoder().encode(JSON.stringify(publicJwk))
    const token = await new SignJWT(claims())
      .setProtectedHeader({ alg: 'HS256', kid: 'k1', typ: 'logout+jwt' })
      .setIssuer(ISSUER)
      .setAudience(CLIENT_ID)
      .setIssuedAt()
      .setExpirationTime('2m')
      .sign(secret)
    await refused(token, 'signature')
  })

  it('refuses a token without sub and sid, or without jti (O-12 step 5, O-13)', async () => {
    const { sub: _sub, sid: _sid, ...anonymous } = claims()
    await refused(await sign(anonymous), 'claims')
    const { jti: _jti, ...noJti } = claims()
    await refused(await sign(noJti), 'claims')
  })

  it('refuses events without the back-channel member, and a nonce (O-12 steps 6, 7)', async () => {
    await refused(await sign({ ...claims(), events: { other: {} } }), 'not_logout_token')
    await refused(await sign({ ...claims(), nonce: 'n' }), 'not_logout_token')
  })
})
