// Redis dies during traffic and comes back: a private redis-server (never the shared one),
// append-only with an fsync per write, killed and restarted on the same port and directory.
import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { describe, it } from 'node:test'
import { startServer, type ListenAddress } from '../src/index.ts'
import { SPA_ORIGIN, configFor, login, startIdp } from './support/gateway.ts'
import { send, type Answer } from './support/http-client.ts'
import { startPrivateRedis } from './support/redis.ts'
import { startUpstream } from './support/upstream.ts'

describe('the gateway on Redis when Redis goes away', () => {
  it('answers 503 store_unavailable while Redis is down, stays up, and resumes with the same session when it is back', async (t) => {
    const unhandled: unknown[] = []
    const onUnhandled = (reason: unknown) => unhandled.push(reason)
    process.on('unhandledRejection', onUnhandled)
    t.after(() => process.off('unhandledRejection', onUnhandled))

    const dir = await mkdtemp(join(tmpdir(), 'coatcheck-redis-outage-'))
    t.after(() => rm(dir, { recursive: true, force: true }))
    const redis = await startPrivateRedis(t, dir)
    const idp = await startIdp(t)
    const upstream = await startUpstream(t)
    const server = await startServer({
      port: 0,
      config: (address: ListenAddress) =>
        configFor(idp, address, {
          session: {
            store: 'redis',
            redis: { url: redis.url, keyPrefix: 'outage:', commandTimeoutMs: 300 },
          },
          routes: [{ path: '/api', upstream: upstream.url }],
        }),
      onError: () => {},
      health: { jwksCacheMs: 1 },
    })
    t.after(() => server.close())
    const cookie = await login(server.url)
    const headers = { origin: SPA_ORIGIN, 'x-csrf': '1', cookie }
    const apiCall = () => send(`${server.url}/api/orders`, { headers })
    const sessionInfo = () => send(`${server.url}/auth/session`, { headers })
    assert.equal((await apiCall()).status, 200)

    // Traffic runs while Redis is killed.
    const answers: Answer[] = []
    let running = true
    const traffic = (async () => {
      while (running) answers.push(await apiCall())
    })()
    await sleep(100)
    await redis.kill()
    await sleep(500)

    const down = [await apiCall(), await sessionInfo()]
    for (const answer of down) {
      assert.equal(answer.status, 503)
      assert.equal(answer.headers['content-type'], 'application/json')
      assert.equal(JSON.parse(answer.body).error, 'store_unavailable')
      assert.equal(answer.headers['access-control-allow-origin'], SPA_ORIGIN)
    }
    const notReady = await send(`${server.url}/readyz`)
    assert.equal(notReady.status, 503)
    assert.equal(JSON.parse(notReady.body).checks.store, 'failed')
    assert.equal((await send(`${server.url}/healthz`)).status, 200)

    await redis.start()
    // ioredis reconnects by itself, with backoff: no restart of Coatcheck.
    const deadline = Date.now() + 15_000
    while ((await sessionInfo()).status !== 200) {
      assert.ok(Date.now() < deadline, 'service resumed within 15 s')
      await sleep(100)
    }
    running = false
    await traffic

    const info = await sessionInfo()
    assert.equal(JSON.parse(info.body).user.name, 'Alice Example', 'the session from before')
    assert.equal((await apiCall()).status, 200)
    assert.equal((await send(`${server.url}/readyz`)).status, 200)
    const statuses = new Set(answers.map((answer) => answer.status))
    assert.ok(statuses.has(200) && statuses.has(503), `traffic saw ${[...statuses].join()}`)
    assert.deepEqual([...statuses].sort(), [200, 503], 'nothing but success or 503')
    for (const answer of answers.filter((a) => a.status === 503)) {
      assert.equal(JSON.parse(answer.body).error, 'store_unavailable')
    }
    assert.deepEqual(unhandled, [])
  })
})
