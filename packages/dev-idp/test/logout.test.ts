import assert from 'node:assert/strict'
import { once } from 'node:events'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { text } from 'node:stream/consumers'
import { after, before, describe, it } from 'node:test'
import { createRemoteJWKSet, jwtVerify } from 'jose'
import * as client from 'openid-client'
import { signOut } from '../src/index.ts'
import {
  CLIENT_ID,
  logIn,
  oauthError,
  POST_LOGOUT_URI,
  startFixture,
  type Fixture,
} from './fixture.ts'

const LOGOUT_EVENT = 'http://schemas.openid.net/event/backchannel-logout'

describe('RP-initiated and back-channel logout (D-09, D-10, D-23)', { timeout: 30_000 }, () => {
  let fixture: Fixture
  let receiver: Server
  const logoutTokens: string[] = []

  before(async () => {
    // Plays the BFF's back-channel logout endpoint: records the form-posted logout_token.
    receiver = createServer((req, res) => {
      void text(req).then((body) => {
        const token = new URLSearchParams(body).get('logout_token')
        if (req.method === 'POST' && token !== null) logoutTokens.push(token)
        res.writeHead(200).end()
      })
    })
    receiver.listen(0, '127.0.0.1')
    await once(receiver, 'listening')
    const { port } = receiver.address() as AddressInfo
    fixture = await startFixture(
      {},
      {
        backchannel_logout_uri: `http://127.0.0.1:${port}/auth/backchannel-logout`,
        backchannel_logout_session_required: true,
      },
    )
  })
  after(async () => {
    await fixture.close()
    receiver.closeAllConnections()
    receiver.close()
  })

  it('redirects to the registered post-logout URI with state and notifies the client', async () => {
    const { tokens, session } = await logIn(fixture)
    const endSession = client.buildEndSessionUrl(fixture.config, {
      id_token_hint: tokens.id_token ?? '',
      post_logout_redirect_uri: POST_LOGOUT_URI,
      state: 'bye-1',
    })
    logoutTokens.length = 0
    const redirect = new URL(await signOut(endSession.href, session))
    assert.equal(`${redirect.origin}${redirect.pathname}`, POST_LOGOUT_URI)
    assert.equal(redirect.searchParams.get('state'), 'bye-1')

    assert.equal(logoutTokens.length, 1)
    const jwks = createRemoteJWKSet(new URL(`${fixture.idp.issuer}/jwks`))
    const { payload, protectedHeader } = await jwtVerify(logoutTokens[0] ?? '', jwks, {
      issuer: fixture.idp.issuer,
      audience: CLIENT_ID,
    })
    assert.equal(protectedHeader.typ, 'logout+jwt')
    assert.deepEqual(payload.events, { [LOGOUT_EVENT]: {} })
    assert.equal(payload.sub, tokens.claims()?.sub)
    assert.equal(payload.sid, tokens.claims()?.sid)
    assert.equal(payload.nonce, undefined)
    assert.ok(fixture.idp.issuedTokens().includes(logoutTokens[0] ?? ''))
  })

  it('ends the session-bound refresh token with the IdP session (D-22)', async () => {
    const { tokens, session } = await logIn(fixture)
    const endSession = client.buildEndSessionUrl(fixture.config, {
      id_token_hint: tokens.id_token ?? '',
      post_logout_redirect_uri: POST_LOGOUT_URI,
    })
    await signOut(endSession.href, session)
    const refresh = client.refreshTokenGrant(fixture.config, tokens.refresh_token ?? '')
    assert.equal(await oauthError(refresh), 'invalid_grant')
  })

  it('serves a logout page that submits itself and has a Sign out button', async () => {
    const { tokens, session } = await logIn(fixture)
    const endSession = client.buildEndSessionUrl(fixture.config, {
      id_token_hint: tokens.id_token ?? '',
    })
    const response = await fetch(endSession, {
      headers: { cookie: session.cookieHeader(endSession) ?? '' },
    })
    const html = await response.text()
    assert.equal(response.status, 200)
    assert.equal(response.headers.get('x-frame-options'), 'DENY') // D-29
    assert.match(html, /<script>document\.getElementById\('op\.logoutForm'\)\.submit\(\)<\/script>/)
    assert.match(html, /<input type="hidden" name="logout" value="yes"\/>/)
    assert.match(html, /<button type="submit">Sign out<\/button>/)
  })

  it('refuses a post-logout URI that is not registered', async () => {
    const { tokens, session } = await logIn(fixture)
    const endSession = client.buildEndSessionUrl(fixture.config, {
      id_token_hint: tokens.id_token ?? '',
      post_logout_redirect_uri: 'https://evil.example/',
    })
    await assert.rejects(signOut(endSession.href, session), {
      code: 'unexpected_response',
      message: /invalid_request/,
    })
  })
})
