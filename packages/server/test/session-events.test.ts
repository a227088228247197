// `/auth/events` over real HTTP, and back-channel logout across instances sharing Redis.
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { randomBytes, randomUUID } from 'node:crypto'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { buildClientRegistration, createCoatcheck, parseConfig } from '@coatcheck/core'
import { createIdpBrowserSession, signIn, signOut, type DevIdp } from '@coatcheck/dev-idp'
import { createRedisStore } from '@coatcheck/redis'
import { createGatewayListener } from '../src/index.ts'
import { CLIENT_ID, SPA_ORIGIN, SPA_URL, startGateway, startIdp } from './support/gateway.ts'
import type { Cleanup } from './support/cleanup.ts'
import { cookiesFrom, get } from './support/http-client.ts'

const REDIS_URL = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379'

const apiHeaders = (cookie: string) => ({ origin: SPA_ORIGIN, 'x-csrf': '1', cookie })

/** An open `/auth/events` stream over HTTP, read as it arrives. */
async function openStream(base: string, cookie: string) {
  const abort = new AbortController()
  const response = await fetch(`${base}/auth/events`, {
    headers: apiHeaders(cookie),
    signal: abort.signal,
  })
  assert.equal(response.status, 200)
  assert.match(response.headers.get('content-type') ?? '', /^text\/event-stream/)
  const reader = response.body!.getReader()
  const decoder = new TextDecoder()
  let text = ''
  /** Reads until the text matches or the server ends the stream; rejects after `ms`. */
  const readUntil = async (pattern: RegExp, ms = 3_000) => {
    const deadline = setTimeout(() => abort.abort(), ms)
    try {
      while (!pattern.test(text)) {
        const chunk = await reader.read()
        if (chunk.done) break
        text += decoder.decode(chunk.value, { stream: true })
      }
    } finally {
      clearTimeout(deadline)
    }
    assert.match(text, pattern)
    return text
  }
  /** Resolves when the server closes the stream. */
  const ended = async () => {
    for (;;) {
      const chunk = await reader.read()
      if (chunk.done) return text
      text += decoder.decode(chunk.value, { stream: true })
    }
  }
  return { readUntil, ended, disconnect: () => abort.abort() }
}

const timers = () => process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length

describe('/auth/events over HTTP (startServer)', () => {
  it('pushes session-ended at once on logout and notices a client that goes away', async (t) => {
    const gateway = await startGateway(t)
    const cookie = await gateway.login()
    const before = timers()
    const idle = await Promise.all(Array.from({ length: 5 }, () => openStream(gateway.url, cookie)))
    for (const stream of idle) await stream.readUntil(/^: ping\n\n/)
    assert.ok(timers() >= before + 10, 'each stream holds a ping and an expiry timer')
    for (const stream of idle) stream.disconnect()
    // The request's signal aborts when the socket closes: every stream frees its timers.
    const deadline = Date.now() + 2_000
    while (timers() > before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20))
    assert.ok(timers() <= before, `timers left: ${timers() - before}`)

    const stream = await openStream(gateway.url, cookie)
    await stream.readUntil(/^: ping\n\n/)
    const started = Date.now()
    const logout = await fetch(`${gateway.url}/auth/logout`, {
      method: 'POST',
      headers: apiHeaders(cookie),
    })
    assert.equal(logout.status, 200)
    const text = await stream.ended()
    assert.match(text, /event: session-ended\ndata: \{"reason":"logout"\}\n\n$/)
    assert.ok(Date.now() - started < 1_000, 'promptly')
  })
})

/** A Coatcheck instance on 127.0.0.1:0 with its own connection to the shared Redis. */
async function startInstance(t: Cleanup, config: unknown, keyPrefix: string, keys: string[]) {
  const store = await createRedisStore({ redis: REDIS_URL, keys, keyPrefix })
  const coatcheck = createCoatcheck(config, { store })
  const listener = createGatewayListener(coatcheck)
  const server = createServer(listener)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.after(async () => {
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
    await listener.close()
    await coatcheck.close()
  })
  await coatcheck.ready()
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

/** Login through `base` in a browser whose IdP session is kept for a later sign-out. */
async function loginAt(base: string, idp: DevIdp) {
  const idpSession = createIdpBrowserSession()
  const start = await get(`${base}/auth/login`)
  const callbackUrl = new URL(
    await signIn(
      String(start.headers.location),
      { username: 'alice', password: 'wonderland' },
      idpSession,
    ),
  )
  const callback = await get(`${base}${callbackUrl.pathname}${callbackUrl.search}`, {
    cookie: cookiesFrom(start),
  })
  assert.equal(callback.status, 303)
  const endSession = new URL(`${idp.issuer}/session/end`)
  endSession.searchParams.set('client_id', CLIENT_ID)
  return {
    cookie: cookiesFrom(callback),
    logOutAtIdp: () => signOut(endSession.href, idpSession),
  }
}

describe('back-channel logout across instances sharing Redis', () => {
  it('ends the session on every instance and the stream on another instance hears it (O-16)', async (t) => {
    const idp = await startIdp(t)
    const keyPrefix = `coatcheck-test:${randomUUID()}:`
    const keys = [randomBytes(32).toString('base64url')]
    // Three instances behind one public URL, as behind a load balancer (the test plays the
    // balancer): logins go through the first, the IdP sends logout tokens to the second.
    const config = parseConfig({
      environment: 'development',
      publicUrl: 'http://coatcheck.localhost',
      keys,
      idp: { issuer: idp.issuer, clientId: CLIENT_ID, clientSecret: 'cross-instance-secret' },
      spa: { url: SPA_URL },
    })
    const instances: string[] = []
    for (let i = 0; i < 3; i++) instances.push(await startInstance(t, config, keyPrefix, keys))
    const [a, b, c] = instances as [string, string, string]
    await idp.registerClient({
      ...buildClientRegistration(config),
      backchannel_logout_uri: `${b}/auth/backchannel-logout`,
    })
    const user = await loginAt(a, idp)
    for (const base of instances) {
      const answer = await get(`${base}/auth/session`, apiHeaders(user.cookie))
      assert.equal(answer.status, 200, `logged in on ${base}`)
    }
    const onA = await openStream(a, user.cookie)
    const onC = await openStream(c, user.cookie)
    await onA.readUntil(/^: ping\n\n/)
    await onC.readUntil(/^: ping\n\n/)

    await user.logOutAtIdp()
    const expected = /event: session-ended\ndata: \{"reason":"backchannel_logout"\}\n\n$/
    assert.match(await onA.ended(), expected)
    assert.match(await onC.ended(), expected)
    for (const base of instances) {
      const answer = await get(`${base}/auth/session`, apiHeaders(user.cookie))
      assert.equal(answer.status, 401, `logged out on ${base}`)
    }
  })
})
