// The gateway on the SQLite store, for real: a temporary database file, the dev IdP over
// HTTP, an upstream API. Restarts, an unreachable file, and the health endpoints.
import assert from 'node:assert/strict'
import type { EventEmitter } from 'node:events'
import { mkdtemp, rename, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { describe, it, type TestContext } from 'node:test'
import { signIn, type DevIdp } from '@coatcheck/dev-idp'
import { startServer, type ListenAddress, type StartServerResult } from '../src/index.ts'
import { SPA_ORIGIN, configFor, login, startIdp } from './support/gateway.ts'
import { cookiesFrom, get, send, type Answer } from './support/http-client.ts'
import { startUpstream, type Upstream } from './support/upstream.ts'

async function tempDir(t: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'coatcheck-sqlite-gateway-'))
  t.after(() => rm(dir, { recursive: true, force: true }))
  return dir
}

/** Starts the gateway with its sessions in the SQLite file at `path`. */
async function startOnSqlite(
  idp: DevIdp,
  upstream: Upstream,
  path: string,
  extra: Record<string, unknown> = {},
): Promise<StartServerResult> {
  return startServer({
    port: 0,
    config: (address: ListenAddress) =>
      configFor(idp, address, {
        session: { store: 'sqlite', sqlite: { path } },
        routes: [{ path: '/api', upstream: upstream.url }],
        ...extra,
      }),
    onError: () => {},
    health: { jwksCacheMs: 1 },
  })
}

const ALICE = { username: 'alice', password: 'wonderland' }
const xhr = (cookie: string) => ({ origin: SPA_ORIGIN, 'x-csrf': '1', cookie })
const sessionInfo = (base: string, cookie: string) =>
  send(`${base}/auth/session`, { headers: xhr(cookie) })
const apiCall = (base: string, cookie: string) =>
  send(`${base}/api/orders`, { headers: xhr(cookie) })

function assertStoreUnavailable(answer: Answer) {
  assert.equal(answer.status, 503)
  assert.equal(JSON.parse(answer.body).error, 'store_unavailable')
  // The SPA reads the code only if the CORS grant is there.
  assert.equal(answer.headers['access-control-allow-origin'], SPA_ORIGIN)
}

describe('the gateway on SQLite sessions', () => {
  it('keeps a session across a restart on the same file: session info and API calls (C-11)', async (t) => {
    const idp = await startIdp(t)
    const upstream = await startUpstream(t)
    const path = join(await tempDir(t), 'sessions.db')

    const first = await startOnSqlite(idp, upstream, path)
    const cookie = await login(first.url)
    assert.equal((await sessionInfo(first.url, cookie)).status, 200)
    await first.close()

    const second = await startOnSqlite(idp, upstream, path)
    t.after(() => second.close())
    const info = await sessionInfo(second.url, cookie)
    assert.equal(info.status, 200)
    assert.equal(JSON.parse(info.body).user.name, 'Alice Example')
    const api = await apiCall(second.url, cookie)
    assert.equal(api.status, 200)
    assert.match(String(upstream.requests.at(-1)?.headers.authorization), /^Bearer /)
  })

  it('answers 503 store_unavailable to session info, API calls, login callback and logout while the database directory is gone, /readyz says so, and recovers when it is back', async (t) => {
    const idp = await startIdp(t)
    const upstream = await startUpstream(t)
    const dir = join(await tempDir(t), 'data')
    const server = await startOnSqlite(idp, upstream, join(dir, 'sessions.db'))
    t.after(() => server.close())
    const cookie = await login(server.url)
    assert.equal((await send(`${server.url}/readyz`)).status, 200)
    // A second login, left at the identity provider's redirect back.
    const start = await get(`${server.url}/auth/login?returnTo=%2F`)
    const callback = new URL(await signIn(String(start.headers.location), ALICE))

    // The volume goes away (unmounted, moved): the open handle must not be written on.
    await rename(dir, `${dir}-away`)
    assertStoreUnavailable(await sessionInfo(server.url, cookie))
    assertStoreUnavailable(await apiCall(server.url, cookie))
    const completed = await send(`${server.url}${callback.pathname}${callback.search}`, {
      headers: { cookie: cookiesFrom(start), origin: SPA_ORIGIN },
    })
    assertStoreUnavailable(completed)
    const logout = await send(`${server.url}/auth/logout`, { method: 'POST', headers: xhr(cookie) })
    assertStoreUnavailable(logout)
    const notReady = await send(`${server.url}/readyz`)
    assert.equal(notReady.status, 503)
    assert.deepEqual(JSON.parse(notReady.body).checks, {
      idp_metadata: 'ok',
      idp_jwks: 'ok',
      store: 'failed',
    })
    assert.equal((await send(`${server.url}/healthz`)).status, 200, 'the process is alive')

    await rename(`${dir}-away`, dir)
    assert.equal((await send(`${server.url}/readyz`)).status, 200)
    assert.equal((await sessionInfo(server.url, cookie)).status, 200, 'the same session')
    assert.equal((await apiCall(server.url, cookie)).status, 200)
  })

  it('keeps the session when the store is down just as its access token needs a refresh (R-02, R-04)', async (t) => {
    const idp = await startIdp(t, { accessToken: 2 })
    let revocations = 0
    ;(idp.provider as EventEmitter).on('grant.revoked', () => revocations++)
    const upstream = await startUpstream(t)
    const dir = join(await tempDir(t), 'data')
    const server = await startOnSqlite(idp, upstream, join(dir, 'sessions.db'), {
      tokens: { refreshSkewSeconds: 0 },
    })
    t.after(() => server.close())
    const cookie = await login(server.url)
    const refreshGrants = () => idp.grants.filter((g) => g.grantType === 'refresh_token').length

    await rename(dir, `${dir}-away`)
    await sleep(2500)
    assertStoreUnavailable(await apiCall(server.url, cookie))
    assert.equal(refreshGrants(), 0, 'no refresh token redeemed while it could not be saved')

    await rename(`${dir}-away`, dir)
    assert.equal((await apiCall(server.url, cookie)).status, 200)
    assert.equal(refreshGrants(), 1)
    assert.equal((await sessionInfo(server.url, cookie)).status, 200)
    assert.equal(revocations, 0)
  })

  it('serves /healthz and /readyz outside basePath as JSON that is never cached; not ready without the IdP JWKS', async (t) => {
    const idp = await startIdp(t)
    const upstream = await startUpstream(t)
    const server = await startOnSqlite(idp, upstream, join(await tempDir(t), 'sessions.db'))
    t.after(() => server.close())

    const live = await send(`${server.url}/healthz`)
    assert.equal(live.status, 200)
    assert.deepEqual(JSON.parse(live.body), { status: 'ok' })
    assert.equal(live.headers['cache-control'], 'no-store')
    const ready = await send(`${server.url}/readyz`)
    assert.equal(ready.status, 200)
    assert.equal(ready.headers['cache-control'], 'no-store')
    assert.deepEqual(JSON.parse(ready.body), {
      status: 'ready',
      checks: { idp_metadata: 'ok', idp_jwks: 'ok', store: 'ok' },
    })
    assert.equal((await send(`${server.url}/readyz`, { method: 'POST' })).status, 405)

    await idp.close()
    const down = await send(`${server.url}/readyz`)
    assert.equal(down.status, 503)
    assert.equal(JSON.parse(down.body).checks.idp_jwks, 'failed')
  })
})
