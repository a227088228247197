// Three `coatcheck start` processes sharing the real Redis, behind a round-robin balancer,
// with the dev IdP rotating refresh tokens with reuse detection (a second redemption of a
// refresh token revokes the whole grant).
import assert from 'node:assert/strict'
import type { ChildProcess } from 'node:child_process'
import { once, type EventEmitter } from 'node:events'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { after, before, describe, it } from 'node:test'
import { buildClientRegistration, parseConfig } from '@coatcheck/core'
import type { DevIdp } from '@coatcheck/dev-idp'
import { REDIS_URL, deleteKeys, dumpKeys, runPrefix } from '../../redis/test/redis-test-helpers.ts'
import { createTeardown } from './support/cleanup.ts'
import { CLIENT_ID, SPA_ORIGIN, SPA_URL, login, startIdp } from './support/gateway.ts'
import { send } from './support/http-client.ts'
import { startRoundRobin, type RoundRobin } from './support/round-robin.ts'
import { startUpstream, type Upstream } from './support/upstream.ts'
import { LISTENING, startCli } from './support/run-cli.ts'

const INSTANCES = 3
// Long enough that 60 calls on a loaded CI machine finish before the refreshed token expires
// again (that would be a second, legitimate refresh).
const ACCESS_TOKEN_SECONDS = 5

const teardown = createTeardown()
const prefix = runPrefix()
let idp: DevIdp
let upstream: Upstream
let balancer: RoundRobin
let cookie: string
let revocations = 0

/** Starts `coatcheck start --config <file>` and resolves with the URL it listens on. */
async function startInstance(configFile: string): Promise<string> {
  const { child, match } = await startCli(
    ['start', '--config', configFile, '--port', '0'],
    LISTENING,
    (cleanUp) => teardown.after(cleanUp),
    { env: {} },
  )
  teardown.after(() => stop(child))
  return match[1] ?? ''
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = once(child, 'exit')
  child.kill('SIGTERM')
  await exited
}

const refreshGrants = () => idp.grants.filter((g) => g.grantType === 'refresh_token').length
const apiCall = (i: number) =>
  send(`${balancer.url}/api/orders/${i}`, {
    headers: { origin: SPA_ORIGIN, 'x-csrf': '1', cookie },
  })

before(async () => {
  idp = await startIdp(teardown, { accessToken: ACCESS_TOKEN_SECONDS })
  ;(idp.provider as EventEmitter).on('grant.revoked', () => revocations++)
  upstream = await startUpstream(teardown)
  balancer = await startRoundRobin(teardown)
  teardown.after(() => deleteKeys(prefix))

  const dir = await mkdtemp(join(tmpdir(), 'coatcheck-scale-out-'))
  teardown.after(() => rm(dir, { recursive: true, force: true }))
  const config = {
    environment: 'development',
    // The browser only ever sees the balancer.
    publicUrl: `http://localhost:${balancer.port}`,
    keys: ['k'.repeat(43)],
    idp: { issuer: idp.issuer, clientId: CLIENT_ID, clientSecret: 'server-test-secret' },
    spa: { url: SPA_URL },
    session: { store: 'redis', redis: { url: REDIS_URL, keyPrefix: prefix } },
    tokens: { refreshSkewSeconds: 0 },
    routes: [{ path: '/api', upstream: upstream.url }],
  }
  await idp.registerClient(buildClientRegistration(parseConfig(config)))
  const file = join(dir, 'coatcheck.json')
  await writeFile(file, JSON.stringify(config))
  const urls = await Promise.all(Array.from({ length: INSTANCES }, () => startInstance(file)))
  balancer.setBackends(urls)
  cookie = await login(balancer.url)
})
after(() => teardown.run())

describe('three Coatcheck processes sharing Redis behind a round-robin balancer', () => {
  it('keeps no access, refresh or ID token in clear text in Redis (keys or values)', async () => {
    const dump = await dumpKeys(prefix)
    assert.ok(dump.size > 0, 'the session is in Redis')
    const tokens = idp.issuedTokens()
    assert.ok(tokens.length >= 3, 'access, refresh and ID token were issued')
    for (const [key, value] of dump) {
      for (const token of tokens) {
        assert.ok(!key.includes(token) && !value.includes(token), `a token in clear at ${key}`)
        // Not even a fragment big enough to matter, e.g. a JWT's payload.
        for (const part of token.split('.').filter((p) => p.length >= 16)) {
          assert.ok(!value.includes(part), `part of a token in clear at ${key}`)
        }
      }
    }
  })

  it('refreshes once across all instances for 60 parallel calls after expiry, revokes nothing, and again next round (R-03, R-04)', async () => {
    assert.equal((await apiCall(0)).status, 200)
    for (const round of [1, 2]) {
      const grantsBefore = refreshGrants()
      await sleep(ACCESS_TOKEN_SECONDS * 1000 + 500)
      const servedBefore = [...balancer.served]
      const before = upstream.requests.length
      const answers = await Promise.all(Array.from({ length: 60 }, (_, i) => apiCall(i)))
      const statuses = answers.map((answer) => answer.status)
      assert.deepEqual(statuses, Array(60).fill(200), `round ${round}: ${statuses.join()}`)
      const spread = balancer.served.map((n, i) => n - (servedBefore[i] ?? 0))
      assert.deepEqual(spread, [20, 20, 20], 'spread across every instance')
      assert.equal(refreshGrants() - grantsBefore, 1, `round ${round}: one refresh grant`)
      const tokens = new Set(upstream.requests.slice(before).map((r) => r.headers.authorization))
      assert.equal(tokens.size, 1, 'every call carried the same refreshed token')
    }
    assert.equal(revocations, 0, 'reuse detection never fired')
    const info = await send(`${balancer.url}/auth/session`, {
      headers: { origin: SPA_ORIGIN, 'x-csrf': '1', cookie },
    })
    assert.equal(info.status, 200)
  })
})
