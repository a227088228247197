import assert from 'node:assert/strict'
import { once } from 'node:events'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { describe, it } from 'node:test'
import { ConfigError } from '@coatcheck/core'
import { signIn } from '@coatcheck/dev-idp'
import { startServer, type ListenAddress } from '../src/index.ts'
import { SPA_URL as SPA, configFor, startIdp } from './support/gateway.ts'
import { cookiesFrom, freePort, get } from './support/http-client.ts'

describe('startServer', () => {
  it('serves a whole login through the Node adapter', async (t) => {
    const idp = await startIdp(t)
    const server = await startServer({
      port: 0,
      config: (address: ListenAddress) => configFor(idp, address),
    })
    t.after(() => server.close())
    const base = server.url

    const login = await get(`${base}/auth/login?returnTo=%2F`)
    assert.equal(login.status, 302)
    const callbackUrl = new URL(
      await signIn(String(login.headers.location), { username: 'alice', password: 'wonderland' }),
    )
    const callback = await get(`${base}${callbackUrl.pathname}${callbackUrl.search}`, {
      cookie: cookiesFrom(login),
    })
    assert.ok(callback.status === 302 || callback.status === 303)
    assert.equal(callback.headers.location, SPA)

    const session = await get(`${base}/auth/session`, {
      cookie: cookiesFrom(callback),
      'x-csrf': '1',
      origin: 'http://localhost:5173',
    })
    assert.equal(session.status, 200)
    assert.equal(JSON.parse(session.body).user.name, 'Alice Example')
    // The tokens stay behind the counter.
    for (const token of idp.issuedTokens()) assert.ok(!session.body.includes(token))
  })

  it('answers unknown paths with 404 JSON', async (t) => {
    const idp = await startIdp(t)
    const server = await startServer({
      port: 0,
      config: (address: ListenAddress) => configFor(idp, address),
    })
    t.after(() => server.close())
    const answer = await get(`${server.url}/nowhere`)
    assert.equal(answer.status, 404)
    assert.equal(JSON.parse(answer.body).error, 'not_found')
  })

  it('rejects an invalid configuration with a ConfigError', async () => {
    await assert.rejects(
      startServer({ port: 0, config: { publicUrl: 'https://api.example.com' } }),
      ConfigError,
    )
  })

  it('fails to start when the identity provider cannot be reached', async () => {
    const deadIssuer = `http://127.0.0.1:${await freePort()}`
    const config = {
      environment: 'development',
      publicUrl: 'http://localhost:8080',
      keys: ['k'.repeat(43)],
      idp: { issuer: deadIssuer, clientId: 'x', clientSecret: 'y', timeoutMs: 2000 },
      spa: { url: SPA },
    }
    await assert.rejects(startServer({ port: 0, config }), { code: 'idp_unavailable' })
  })

  it('names the port when it is already taken', async (t) => {
    const taken = createServer().listen(0, '127.0.0.1')
    await once(taken, 'listening')
    t.after(() => new Promise((resolve) => taken.close(resolve)))
    const { port } = taken.address() as AddressInfo
    const idp = await startIdp(t)
    await assert.rejects(
      startServer({ port, config: (address: ListenAddress) => configFor(idp, address) }),
      (error: Error) => (error.cause as NodeJS.ErrnoException).code === 'EADDRINUSE',
    )
  })
})
