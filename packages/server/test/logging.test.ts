import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { createTeardown } from './support/cleanup.ts'
import { startGateway, type Gateway } from './support/gateway.ts'
import { cookiesFrom, get, send } from './support/http-client.ts'
import { captureLogs, type CapturedLogs } from './support/log-capture.ts'
import { startUpstream } from './support/upstream.ts'

describe('log lines of the gateway', { timeout: 30_000 }, () => {
  const teardown = createTeardown()
  let gateway: Gateway
  let logs: CapturedLogs
  let cookie: string

  before(async () => {
    const api = await startUpstream(teardown)
    logs = captureLogs()
    gateway = await startGateway(teardown, {
      routes: [
        { path: '/api/echo', upstream: api.url },
        // Nothing listens there: an upstream failure with a cause chain.
        { path: '/api/down', upstream: 'http://127.0.0.1:9', timeoutMs: 500 },
      ],
      logger: logs.logger,
    })
    cookie = await gateway.login()
  })
  after(() => teardown.run())

  const requestLines = () => logs.lines.filter((line) => line['msg'] === 'request')

  it('writes one line per request: id, method, route, status, duration, never the URL (G-05)', async () => {
    const answer = await send(`${gateway.url}/api/echo/orders/42?email=alice%40example.com`, {
      headers: { ...gateway.apiHeaders(cookie), 'x-request-id': 'lb-1234.abc' },
    })
    assert.equal(answer.status, 200)
    assert.equal(answer.headers['x-request-id'], 'lb-1234.abc')
    const line = requestLines().find((entry) => entry['reqId'] === 'lb-1234.abc')
    assert.ok(line, 'a line for the request')
    assert.equal(line['method'], 'GET')
    assert.equal(line['route'], '/api/echo')
    assert.equal(line['status'], 200)
    assert.equal(typeof line['durationMs'], 'number')
    assert.equal(line['level'], 'info')
    assert.ok(!logs.text().includes('alice%40example.com'), 'the query is never logged')
    assert.ok(!logs.text().includes('orders/42'), 'nor the path below the route')
  })

  it('replaces an insane incoming request id with its own', async () => {
    const hostile = `${'x'.repeat(200)}`
    const answer = await send(`${gateway.url}/auth/session`, {
      headers: { ...gateway.apiHeaders(cookie), 'x-request-id': hostile },
    })
    const id = String(answer.headers['x-request-id'])
    assert.match(id, /^[0-9a-f-]{36}$/)
    assert.ok(
      requestLines().some((line) => line['reqId'] === id && line['route'] === '/auth/session'),
    )
    assert.ok(!logs.text().includes(hostile))
  })

  it('logs the login, a CSRF rejection and a logout as security events (G-05)', async () => {
    const refused = await send(`${gateway.url}/api/echo/x`, { headers: { cookie } })
    assert.equal(refused.status, 403)
    const fresh = await gateway.login()
    const loggedOut = await send(`${gateway.url}/auth/logout`, {
      method: 'POST',
      headers: gateway.apiHeaders(fresh),
    })
    assert.equal(loggedOut.status, 200)
    const events = logs.lines.flatMap((line) => (line['event'] ? [line['event']] : []))
    assert.ok(events.some((event) => isEvent(event, 'login', { outcome: 'ok' })))
    assert.ok(events.some((event) => isEvent(event, 'csrf_rejected', {})))
    assert.ok(events.some((event) => isEvent(event, 'logout', {})))
    const csrf = logs.lines.find((line) => isEvent(line['event'], 'csrf_rejected', {}))
    assert.equal(csrf?.['level'], 'warn')
  })

  it('logs an upstream failure with its cause chain (G-05)', async () => {
    const answer = await send(`${gateway.url}/api/down/x`, { headers: gateway.apiHeaders(cookie) })
    assert.equal(answer.status, 502)
    const line = logs.lines.find(
      (entry) => (entry['error'] as { code?: string } | undefined)?.code === 'upstream_unavailable',
    )
    assert.ok(line, 'an error line')
    assert.equal(line['level'], 'error')
    assert.ok((line['error'] as { cause?: unknown }).cause, 'with the cause below it')
  })

  it('never writes a token, code, cookie value or client secret (G-05)', async () => {
    const start = await get(`${gateway.url}/auth/login?returnTo=%2F`)
    const secrets = [
      ...gateway.idp.issuedTokens(),
      'server-test-secret',
      ...cookie.split('; ').map((pair) => pair.slice(pair.indexOf('=') + 1)),
      ...cookiesFrom(start)
        .split('; ')
        .map((pair) => pair.slice(pair.indexOf('=') + 1)),
    ].filter((value) => value.length >= 16)
    assert.ok(secrets.length >= 4)
    const text = logs.text()
    for (const secret of secrets) assert.ok(!text.includes(secret), 'a secret in the logs')
  })
})

function isEvent(value: unknown, type: string, fields: Record<string, string>): boolean {
  if (typeof value !== 'object' || value === null) return false
  const event = value as Record<string, unknown>
  return event['type'] === type && Object.entries(fields).every(([k, v]) => event[k] === v)
}
