import assert from 'node:assert/strict'
import { once } from 'node:events'
import { mkdtemp, rename, rm } from 'node:fs/promises'
import { Agent, request as httpRequest, type IncomingMessage } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { describe, it, type TestContext } from 'node:test'
import { startGateway, type Gateway } from './support/gateway.ts'
import { get, send } from './support/http-client.ts'
import { startUpstream } from './support/upstream.ts'

/** Parses a Prometheus text scrape into `name{labels}` → value. */
function parseScrape(text: string): Map<string, number> {
  const samples = new Map<string, number>()
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue
    const at = line.lastIndexOf(' ')
    samples.set(line.slice(0, at), Number(line.slice(at + 1)))
  }
  return samples
}

/** `count` parallel GETs on the connections of `agent`; their statuses. */
async function parallelGets(agent: Agent, urls: string[], headers: Record<string, string>) {
  return Promise.all(
    urls.map(async (url) => {
      const req = httpRequest(url, { agent, headers })
      req.end()
      const [res] = (await once(req, 'response')) as [IncomingMessage]
      res.resume()
      await once(res, 'end')
      return res.statusCode
    }),
  )
}

/** Every value a label takes in a scrape. */
function labelValues(text: string, label: string): Set<string> {
  return new Set(
    [...text.matchAll(new RegExp(`[{,]${label}="([^"]*)"`, 'g'))].map((m) => m[1] ?? ''),
  )
}

/** A temporary directory, removed when the test ends. */
async function tempDir(t: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'coatcheck-metrics-'))
  t.after(() => rm(dir, { recursive: true, force: true }))
  return dir
}

/** A gateway with its sessions in the SQLite file at `path` and metrics on a port of their own. */
function startOnSqlite(t: TestContext, path: string): Promise<Gateway> {
  return startGateway(t, {
    session: { store: 'sqlite', sqlite: { path } },
    config: { metrics: { port: 0 } },
  })
}

/** One scrape of the gateway's metrics port. */
async function scrape(gateway: Gateway): Promise<{ text: string; samples: Map<string, number> }> {
  const answer = await get(String(gateway.server.metricsUrl))
  assert.equal(answer.status, 200)
  return { text: answer.body, samples: parseScrape(answer.body) }
}

const activeSessions = async (gateway: Gateway) =>
  (await scrape(gateway)).samples.get('coatcheck_sessions_active')

describe('metrics', { timeout: 60_000 }, () => {
  it('are off on the main port by default, so they are never public by accident', async (t) => {
    const gateway = await startGateway(t)
    assert.equal((await get(`${gateway.url}/metrics`)).status, 404)
    assert.equal(gateway.server.metricsUrl, undefined)
  })

  it('serves /metrics on a port of its own when metrics.port is set, and not on the main port', async (t) => {
    const gateway = await startGateway(t, { config: { metrics: { port: 0, path: '/metrics' } } })
    const url = gateway.server.metricsUrl
    assert.ok(url)
    const scrape = await get(url)
    assert.equal(scrape.status, 200)
    assert.match(String(scrape.headers['content-type']), /^text\/plain/)
    assert.match(scrape.body, /^# HELP coatcheck_http_requests_total/m)
    assert.equal((await get(`${gateway.url}/metrics`)).status, 404)
  })

  it('labels routes by configured prefix or endpoint only, whatever the path (G-05)', async (t) => {
    const api = await startUpstream(t)
    const gateway = await startGateway(t, {
      routes: [{ path: '/api/echo', upstream: api.url }],
      config: { metrics: { path: '/internal/metrics' } },
    })
    const cookie = await gateway.login()
    const hostile = [
      '/api/echo/alice@example.com?code=abc123secret',
      '/api/echo/%3Cscript%3E/..%2f..%2fadmin',
      '/auth/callback?code=stolen-code&state=x',
      '/auth/../../etc/passwd',
      `/${'u'.repeat(300)}`,
      '/auth/login-alice',
      '/api/echoes',
    ]
    for (const path of hostile)
      await send(`${gateway.url}${path}`, { headers: gateway.apiHeaders(cookie) })
    const scrape = await get(`${gateway.url}/internal/metrics`)
    assert.equal(scrape.status, 200)
    const routes = labelValues(scrape.body, 'route')
    const allowed = new Set([
      '/api/echo',
      '/auth/login',
      '/auth/callback',
      '/auth/session',
      'other',
    ])
    for (const route of routes) assert.ok(allowed.has(route), `unexpected route label ${route}`)
    for (const fragment of ['alice', 'script', 'stolen', 'passwd', 'uuuu', 'abc123', 'echoes']) {
      assert.ok(!scrape.body.includes(fragment), `${fragment} reached the metrics`)
    }
    const samples = parseScrape(scrape.body)
    assert.ok((samples.get('coatcheck_http_requests_total{route="other",status="404"}') ?? 0) >= 3)
    assert.equal(samples.get('coatcheck_logins_total{outcome="ok"}'), 1)
    assert.ok(
      (samples.get('coatcheck_upstream_duration_seconds_count{route="/api/echo"}') ?? 0) >= 1,
    )
  })

  it('shows one ok refresh and the coalesced count after a storm of 50 calls (R-03)', async (t) => {
    const api = await startUpstream(t)
    const gateway = await startGateway(t, {
      // Long enough that login and the warm-up round finish before it expires on a loaded
      // machine: an expiry during the warm-up would be a second, legitimate refresh.
      idpTtl: { accessToken: 5 },
      routes: [{ path: '/api/echo', upstream: api.url }],
      config: { tokens: { refreshSkewSeconds: 0 }, metrics: { port: 0 } },
    })
    const cookie = await gateway.login()
    const headers = gateway.apiHeaders(cookie)
    assert.equal((await send(`${gateway.url}/api/echo/first`, { headers })).status, 200)
    const refreshGrants = () =>
      gateway.idp.grants.filter((grant) => grant.grantType === 'refresh_token').length
    assert.equal(refreshGrants(), 0)

    // 50 connections opened beforehand, so the storm's requests arrive together.
    const agent = new Agent({ keepAlive: true, maxSockets: 50 })
    t.after(() => agent.destroy())
    const urls = Array.from({ length: 50 }, (_, i) => `${gateway.url}/api/echo/item/${i}`)
    assert.deepEqual(await parallelGets(agent, urls, headers), Array(50).fill(200))

    // The gateway reads the real clock, so the 5-second access token really has to expire.
    await sleep(5_200)
    assert.deepEqual(await parallelGets(agent, urls, headers), Array(50).fill(200))
    assert.equal(refreshGrants(), 1, 'one refresh grant at the identity provider')

    const samples = parseScrape((await get(String(gateway.server.metricsUrl))).body)
    const refreshes = (outcome: string) =>
      samples.get(`coatcheck_refreshes_total{outcome="${outcome}"}`) ?? -1
    assert.equal(refreshes('ok'), 1)
    assert.equal(refreshes('failed'), 0)
    assert.equal(refreshes('invalid_grant'), 0)
    const coalesced = refreshes('coalesced')
    console.log(`refresh storm: 1 ok, ${coalesced} coalesced of 50 calls`)
    // Each call that found the refresh under way waited for it; the others came after it.
    assert.ok(coalesced >= 1 && coalesced <= 49, `coalesced ${coalesced}`)
    assert.equal(samples.get('coatcheck_http_requests_total{route="/api/echo",status="200"}'), 101)
  })

  it('counts the live sessions of the store at each scrape, the same on every instance (G-05)', async (t) => {
    const path = join(await tempDir(t), 'sessions.db')
    const first = await startOnSqlite(t, path)
    const second = await startOnSqlite(t, path)
    assert.equal(await activeSessions(first), 0)
    const alice = await first.login()
    await first.login()
    assert.equal(await activeSessions(first), 2)
    // The other instance shares the file: it counts the sessions it never saw being made.
    assert.equal(await activeSessions(second), 2)
    const logout = await send(`${first.url}/auth/logout`, {
      method: 'POST',
      headers: first.apiHeaders(alice),
    })
    assert.equal(logout.status, 200)
    assert.equal(await activeSessions(first), 1)
    assert.equal(await activeSessions(second), 1)
  })

  it('leaves out the active sessions but still answers the scrape while the store fails, counting a store error', async (t) => {
    const dir = join(await tempDir(t), 'data')
    const gateway = await startOnSqlite(t, join(dir, 'sessions.db'))
    await gateway.login()
    const before = await scrape(gateway)
    assert.equal(before.samples.get('coatcheck_sessions_active'), 1)
    const errorsBefore = before.samples.get('coatcheck_store_errors_total') ?? -1

    await rename(dir, `${dir}-away`)
    // Series are read in parallel: the first failure shows in the counter from the next scrape.
    for (const during of [await scrape(gateway), await scrape(gateway)]) {
      assert.equal(during.samples.get('coatcheck_sessions_active'), undefined)
      assert.ok(during.samples.has('coatcheck_logins_total{outcome="ok"}'))
      assert.match(during.text, /^# TYPE coatcheck_sessions_active gauge$/m)
    }
    const errorsDuring = (await scrape(gateway)).samples.get('coatcheck_store_errors_total') ?? -1
    assert.ok(errorsDuring > errorsBefore, `store errors ${errorsBefore} → ${errorsDuring}`)

    await rename(`${dir}-away`, dir)
    assert.equal(await activeSessions(gateway), 1)
  })

  it('has no active-sessions gauge at all with the cookie store, rather than a false 0', async (t) => {
    const gateway = await startGateway(t, {
      session: { store: 'cookie' },
      config: { metrics: { port: 0 } },
    })
    await gateway.login()
    const { text } = await scrape(gateway)
    assert.match(text, /^coatcheck_logins_total\{outcome="ok"\} 1$/m)
    assert.ok(!text.includes('coatcheck_sessions_active'))
  })
})
