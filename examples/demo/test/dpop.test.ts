// The DPoP-bound route of the demo (RFC 9449): Coatcheck's call reaches the API, which
// verifies the proof and the token's binding; the exact proof and token, captured at the API
// and sent again, are refused; so is the bound token sent as a bearer token.
import assert from 'node:assert/strict'
import { subscribe, unsubscribe } from 'node:diagnostics_channel'
import type { IncomingMessage } from 'node:http'
import { after, before, describe, it } from 'node:test'
import { startDemo, type Demo } from '../src/index.ts'
import { get, logInOverHttp } from './support/http-browser.ts'

interface Captured {
  url: string
  authorization: string
  dpop: string
}

describe('the DPoP-bound demo route', () => {
  let demo: Demo
  const captured: Captured[] = []
  // Every request the demo's servers receive, seen at the API: the wire, not a mock.
  const onRequest = (message: unknown) => {
    const { request } = message as { request: IncomingMessage }
    const { authorization, dpop } = request.headers
    if (request.url?.startsWith('/dpop/') && authorization && typeof dpop === 'string') {
      captured.push({ url: request.url, authorization, dpop })
    }
  }
  before(async () => {
    subscribe('http.server.request.start', onRequest)
    demo = await startDemo({ ports: { spa: 0, coatcheck: 0, idp: 0, api: 0 }, quiet: true })
  })
  after(async () => {
    unsubscribe('http.server.request.start', onRequest)
    await demo?.close()
  })

  it('reaches the API with a DPoP-bound token and a proof it verifies; a replay is refused (B-09, S-20, S-22)', async () => {
    const { urls } = demo
    const fromSpa = await logInOverHttp(urls, { username: 'alice', password: 'wonderland' })
    const answer = await get(`${urls.coatcheck}/api/dpop/whoami`, fromSpa)
    assert.equal(answer.status, 200, answer.body)
    assert.equal(JSON.parse(answer.body).caller.scheme, 'DPoP')
    const sent = captured.at(-1)
    assert.ok(sent, 'the API saw the proof')
    assert.match(sent.authorization, /^DPoP /)

    // The same proof and token, sent again by whoever captured them.
    const replay = await fetch(`${urls.api}${sent.url}`, {
      headers: { authorization: sent.authorization, dpop: sent.dpop },
    })
    assert.equal(replay.status, 401)
    assert.equal(((await replay.json()) as { error: string }).error, 'invalid_dpop_proof')

    // A fresh call through Coatcheck still works: a new proof each time.
    assert.equal((await get(`${urls.coatcheck}/api/dpop/whoami`, fromSpa)).status, 200)
  })

  it('refuses the DPoP-bound token sent as a bearer token, on either mount (S-21)', async () => {
    const sent = captured.at(-1)
    assert.ok(sent)
    const token = sent.authorization.replace(/^DPoP /, '')
    const asBearer = (path: string) =>
      fetch(`${demo.urls.api}${path}`, { headers: { authorization: `Bearer ${token}` } })
    // Where DPoP is required, a bearer credential is no credential at all.
    const bound = await asBearer('/dpop/whoami')
    assert.equal(bound.status, 401)
    assert.equal(((await bound.json()) as { error: string }).error, 'missing_token')
    // Where bearer tokens are taken, the token's `cnf` binding still gives it away.
    const plain = await asBearer('/whoami')
    assert.equal(plain.status, 401)
    assert.equal(((await plain.json()) as { error: string }).error, 'invalid_token')
  })
})
