// S-20..S-23 with DPoP-bound tokens from the dev IdP and openid-client as the client.
import assert from 'node:assert/strict'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, describe, it } from 'node:test'
import * as client from 'openid-client'
import { createNodeGuard } from '../src/adapters/node.ts'
import {
  createRotatingDpopNonce,
  createTokenVerifier,
  type TokenVerifierOptions,
} from '../src/index.ts'
import { createDpopKey, createDpopProof, type DpopKey } from './support/dpop-proof.ts'
import { API, startIdp, USERS, type IdpFixture, type LoginTokens } from './support/idp.ts'
import { closeServer } from './support/local-issuer.ts'

describe('DPoP-bound tokens from the dev IdP (S-20..S-23)', { timeout: 30_000 }, () => {
  let idp: IdpFixture
  let key: DpopKey
  let bound: LoginTokens
  let config: client.Configuration
  const servers: Server[] = []

  /** An API on node:http answering GET /articles with the caller. */
  const startApi = async (options: Partial<TokenVerifierOptions>, publicUrl?: string) => {
    const server = createServer()
    servers.push(server)
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    const verifier = createTokenVerifier({
      issuer: idp.issuer,
      audience: API,
      publicUrl: publicUrl ?? url,
      onFailure: () => {},
      ...options,
    })
    const guard = createNodeGuard({ verifier })
    server.on('request', (req, res) => {
      void guard(req, res).then((auth) => {
        if (auth !== undefined)
          res.end(JSON.stringify({ sub: auth.claims.sub, scheme: auth.token.scheme }))
      })
    })
    return url
  }

  before(async () => {
    idp = await startIdp()
    key = await createDpopKey()
    bound = await idp.logIn('bob', { dpop: key.keyPair })
    // openid-client as a resource client; the issuer is only needed for its DPoP handle.
    config = await client.discovery(new URL(idp.issuer), 'bff', undefined, undefined, {
      execute: [client.allowInsecureRequests],
    })
  })
  after(async () => {
    await Promise.all(servers.map(closeServer))
    await idp.close()
  })

  const fetchWithOpenIdClient = (url: string) =>
    client.fetchProtectedResource(
      config,
      bound.accessToken,
      new URL(`${url}/articles?page=1`),
      'GET',
      undefined,
      undefined,
      {
        DPoP: client.getDPoPHandle(config, key.keyPair),
      },
    )

  it('accepts the bound token with proofs made by openid-client (S-20)', async () => {
    const url = await startApi({})
    const response = await fetchWithOpenIdClient(url)
    assert.equal(response.status, 200)
    assert.deepEqual(await response.json(), { sub: USERS.bob.sub, scheme: 'DPoP' })
  })

  it('works with server nonces: openid-client retries with the nonce it was given (S-23)', async () => {
    const url = await startApi({ dpop: { nonce: createRotatingDpopNonce() } })
    const first = await fetch(`${url}/articles`, {
      headers: {
        authorization: `DPoP ${bound.accessToken}`,
        dpop: await createDpopProof({
          key,
          method: 'GET',
          url: `${url}/articles`,
          accessToken: bound.accessToken,
        }),
      },
    })
    assert.equal(first.status, 401)
    assert.match(first.headers.get('www-authenticate') ?? '', /error="use_dpop_nonce"/)
    assert.ok(first.headers.get('dpop-nonce'))
    assert.match(first.headers.get('access-control-expose-headers') ?? '', /DPoP-Nonce/)
    const response = await fetchWithOpenIdClient(url).catch((error: unknown) => error)
    // openid-client learns the nonce from the 401 and retries once.
    assert.ok(response instanceof Response, String(response))
    assert.equal(response.status, 200)
  })

  it('checks htu against the public URL, not the address the proxy used (S-20)', async () => {
    const url = await startApi({}, 'https://api.example.test')
    const call = async (htu: string) =>
      fetch(`${url}/articles`, {
        headers: {
          authorization: `DPoP ${bound.accessToken}`,
          dpop: await createDpopProof({
            key,
            method: 'GET',
            url: htu,
            accessToken: bound.accessToken,
          }),
        },
      })
    assert.equal((await call('https://api.example.test/articles')).status, 200)
    assert.equal((await call(`${url}/articles`)).status, 401)
  })

  it('refuses the bound token as Bearer, and a replayed proof (S-21, S-22)', async () => {
    const url = await startApi({})
    const asBearer = await fetch(`${url}/articles`, {
      headers: { authorization: `Bearer ${bound.accessToken}` },
    })
    assert.equal(asBearer.status, 401)
    assert.match(asBearer.headers.get('www-authenticate') ?? '', /^DPoP error="invalid_token"/)
    const proof = await createDpopProof({
      key,
      method: 'GET',
      url: `${url}/articles`,
      accessToken: bound.accessToken,
    })
    const send = () =>
      fetch(`${url}/articles`, {
        headers: { authorization: `DPoP ${bound.accessToken}`, dpop: proof },
      })
    assert.equal((await send()).status, 200)
    const replay = await send()
    assert.equal(replay.status, 401)
    assert.match(replay.headers.get('www-authenticate') ?? '', /error="invalid_dpop_proof"/)
  })
})
