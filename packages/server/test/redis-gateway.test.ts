// The gateway with its sessions in the real Redis (127.0.0.1:6379, a key prefix of its own):
// what it logs through a whole session holds no secret.
import assert from 'node:assert/strict'
import { randomBytes, randomUUID } from 'node:crypto'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { describe, it } from 'node:test'
import { createCoatcheck, parseConfig } from '@coatcheck/core'
import { createRedisStore } from '@coatcheck/redis'
import { Redis } from 'ioredis'
import { createGatewayListener, logEvent } from '../src/index.ts'
import { configFor, login, startIdp } from './support/gateway.ts'
import { send } from './support/http-client.ts'
import { captureLogs } from './support/log-capture.ts'
import { startUpstream } from './support/upstream.ts'

const REDIS_URL = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379'

async function deleteKeys(prefix: string): Promise<void> {
  const redis = new Redis(REDIS_URL)
  try {
    const keys = await redis.keys(`${prefix}*`)
    if (keys.length > 0) await redis.unlink(...keys)
  } finally {
    redis.disconnect()
  }
}

describe('the gateway on Redis', { timeout: 30_000 }, () => {
  it('logs a whole session (login, API call, logout) without a token, cookie or secret (G-05)', async (t) => {
    const api = await startUpstream(t)
    const idp = await startIdp(t)
    const server = createServer()
    server.listen(0, '127.0.0.1')
    await new Promise((resolve) => server.once('listening', resolve))
    const { port } = server.address() as AddressInfo
    const url = `http://127.0.0.1:${port}`
    const config = parseConfig({
      ...(await configFor(
        idp,
        { url, port },
        { routes: [{ path: '/api/echo', upstream: api.url }] },
      )),
      keys: [randomBytes(32).toString('base64url')],
    })
    const prefix = `coatcheck-test:${randomUUID()}:`
    t.after(() => deleteKeys(prefix))
    const store = await createRedisStore({ redis: REDIS_URL, keys: config.keys, keyPrefix: prefix })
    const logs = captureLogs([config.idp.clientSecret ?? '', ...config.keys])
    const coatcheck = createCoatcheck(config, {
      store,
      onEvent: (event) => logEvent(logs.logger, event),
    })
    t.after(() => coatcheck.close())
    await coatcheck.ready()
    const gateway = createGatewayListener(coatcheck, { logger: logs.logger })
    server.on('request', gateway)
    t.after(async () => {
      await gateway.close()
      await new Promise((resolve) => server.close(resolve))
    })

    const cookie = await login(url)
    const headers = { origin: 'http://localhost:5173', 'x-csrf': '1', cookie }
    assert.equal((await send(`${url}/api/echo/x`, { headers })).status, 200)
    assert.equal((await send(`${url}/auth/logout`, { method: 'POST', headers })).status, 200)

    const events = logs.lines.flatMap((line) => (line['event'] ? [line['event']] : []))
    assert.deepEqual(
      events
        .map((event) => (event as { type: string }).type)
        .filter((type) => type !== 'session_ended'),
      ['login', 'logout'],
    )
    const secrets = [
      ...idp.issuedTokens(),
      ...cookie.split('; ').map((pair) => pair.slice(pair.indexOf('=') + 1)),
    ].filter((value) => value.length >= 16)
    const text = logs.text()
    for (const secret of secrets) assert.ok(!text.includes(secret), 'a secret in the logs')
  })
})
