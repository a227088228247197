// The store fails in the moment after the identity provider rotated the refresh token and
// before the new one is saved: the session must survive, not end in a reuse-detection
// revocation at the next refresh.
import assert from 'node:assert/strict'
import { once, type EventEmitter } from 'node:events'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import { describe, it } from 'node:test'
import { createCoatcheck, createMemoryStore, type SessionStore } from '@coatcheck/core'
import { createGatewayListener } from '../src/index.ts'
import { SPA_ORIGIN, configFor, login, startIdp } from './support/gateway.ts'
import { send } from './support/http-client.ts'
import { startUpstream } from './support/upstream.ts'

describe('a store failure while saving refreshed tokens', () => {
  it('keeps the rotated refresh token and writes it back once the store answers (R-03, R-04)', async (t) => {
    const idp = await startIdp(t, { accessToken: 2 })
    let revocations = 0
    ;(idp.provider as EventEmitter).on('grant.revoked', () => revocations++)
    const upstream = await startUpstream(t)
    const memory = createMemoryStore()
    let failRefreshWrite = false
    const store: SessionStore = {
      ...memory,
      // Only the write of new tokens fails: the lock and the re-read before it work.
      update: (session, expectedVersion, ttl) =>
        failRefreshWrite && session.version > expectedVersion
          ? Promise.reject(new Error('connection lost'))
          : memory.update(session, expectedVersion, ttl),
    }

    const http = createServer().listen(0, '127.0.0.1')
    await once(http, 'listening')
    const { port } = http.address() as AddressInfo
    const url = `http://127.0.0.1:${port}`
    const config = await configFor(
      idp,
      { url, port },
      {
        tokens: { refreshSkewSeconds: 0 },
        routes: [{ path: '/api', upstream: upstream.url }],
      },
    )
    const coatcheck = createCoatcheck(config, { store })
    await coatcheck.ready()
    const gateway = createGatewayListener(coatcheck, { onError: () => {} })
    http.on('request', gateway)
    t.after(async () => {
      http.closeAllConnections()
      await new Promise((resolve) => http.close(resolve))
      await gateway.close()
      await coatcheck.close()
    })

    const cookie = await login(url)
    const headers = { origin: SPA_ORIGIN, 'x-csrf': '1', cookie }
    const apiCall = () => send(`${url}/api/orders`, { headers })
    const refreshGrants = () => idp.grants.filter((g) => g.grantType === 'refresh_token').length

    await sleep(2500)
    failRefreshWrite = true
    const failed = await apiCall()
    assert.equal(failed.status, 503)
    assert.equal(JSON.parse(failed.body).error, 'store_unavailable')
    assert.equal(refreshGrants(), 1, 'the identity provider rotated the refresh token')

    failRefreshWrite = false
    assert.equal((await apiCall()).status, 200, 'served with the tokens of that refresh')
    assert.equal(refreshGrants(), 1, 'no second redemption')

    // The next refresh redeems the rotated token: nothing is revoked.
    await sleep(2500)
    assert.equal((await apiCall()).status, 200)
    assert.equal(refreshGrants(), 2)
    assert.equal(revocations, 0)
  })
})
