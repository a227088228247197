import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { EmbeddedJWK, calculateJwkThumbprint, decodeJwt, jwtVerify } from 'jose'
import { startHarness, type Harness } from './support/harness.ts'
import { startUpstream, type Upstream } from './support/upstream.ts'

/** A resource server that checks DPoP the RFC 9449 §4.3 / §7 way, with a nonce and a replay cache. */
async function startDpopApi() {
  const seenJti = new Set<string>()
  const nonce = 'server-nonce-1'
  const proofs: string[] = []
  const api = await startUpstream((request, response) => {
    request.resume()
    const refuse = (error: string) => {
      response.statusCode = 401
      response.setHeader('www-authenticate', `DPoP error="${error}"`)
      if (error === 'use_dpop_nonce') response.setHeader('dpop-nonce', nonce)
      response.end()
    }
    void (async () => {
      const [scheme, token] = (request.headers.authorization ?? '').split(' ')
      const proof = request.headers.dpop
      if (scheme !== 'DPoP' || !token || typeof proof !== 'string') return refuse('invalid_token')
      proofs.push(proof)
      const { payload, protectedHeader } = await jwtVerify(proof, EmbeddedJWK, { typ: 'dpop+jwt' })
      const url = `http://${request.headers.host}${request.url?.split('?')[0]}`
      const ath = createHash('sha256').update(token).digest('base64url')
      if (payload.htm !== request.method || payload.htu !== url || payload.ath !== ath) {
        return refuse('invalid_dpop_proof')
      }
      const jkt = (decodeJwt(token).cnf as { jkt?: string } | undefined)?.jkt
      if (!protectedHeader.jwk || jkt !== (await calculateJwkThumbprint(protectedHeader.jwk))) {
        return refuse('invalid_token')
      }
      if (payload.nonce !== nonce) return refuse('use_dpop_nonce')
      if (seenJti.has(String(payload.jti))) return refuse('invalid_dpop_proof')
      seenJti.add(String(payload.jti))
      response.end(JSON.stringify({ ok: true, jkt }))
    })().catch(() => refuse('invalid_dpop_proof'))
  })
  return { api, proofs }
}

describe('DPoP-bound upstream routes (RFC 9449)', () => {
  let harness: Harness
  let dpop: Awaited<ReturnType<typeof startDpopApi>>
  let plain: Upstream
  before(async () => {
    dpop = await startDpopApi()
    plain = await startUpstream()
    harness = await startHarness({
      config: {
        routes: [
          { path: '/api/bound', upstream: dpop.api.url, dpop: true },
          { path: '/api/plain', upstream: plain.url },
        ],
      },
    })
  })
  after(async () => {
    await harness.close()
    await dpop.api.close()
    await plain.close()
  })

  it('sends a DPoP-bound token with a fresh proof per request, handling the nonce, and bearer elsewhere', async () => {
    const browser = harness.browser()
    await browser.login()
    const first = await browser.fetch('/api/bound/orders?x=1')
    assert.equal(first.status, 200, 'the nonce challenge was answered with a retry')
    const second = await browser.fetch('/api/bound/orders')
    assert.equal(second.status, 200)
    assert.equal(new Set(dpop.proofs).size, dpop.proofs.length, 'every proof is new')
    assert.equal((await browser.fetch('/api/plain/x')).status, 200)
    assert.match(String(plain.requests.at(-1)?.headers.authorization), /^Bearer /)
    assert.equal(plain.requests.at(-1)?.headers.dpop, undefined)
  })

  it('has its replayed proof refused by the API', async () => {
    const proof = dpop.proofs.at(-1) ?? ''
    const token = dpop.api.requests.at(-1)?.headers.authorization ?? ''
    const replay = await fetch(`${dpop.api.url}/orders`, {
      headers: { authorization: token, dpop: proof },
    })
    assert.equal(replay.status, 401)
  })
})
