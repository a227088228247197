import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { encodeBase64Url } from '../crypto/base64url.ts'
import { randomId } from '../crypto/random-id.ts'
import { createSealer } from '../crypto/sealer.ts'
import { CookieJar } from '../http/cookies.ts'
import { createCookieSessions } from './cookie-sessions.ts'
import { createMemoryStore } from './memory-store.ts'
import type { Session } from './session.ts'

const NAME = '__Host-Http-coatcheck'
const START = 1_700_000_000_000
const newKey = encodeBase64Url(crypto.getRandomValues(new Uint8Array(32)))
const oldKey = encodeBase64Url(crypto.getRandomValues(new Uint8Array(32)))

/** A JWT-shaped token of about `bytes` characters. */
function fakeJwt(bytes: number): string {
  const part = (n: number) => randomId(Math.ceil((n * 3) / 4)).slice(0, n)
  return `${part(36)}.${part(bytes - 36 - 86 - 2)}.${part(86)}`
}

function makeSession(overrides: Partial<Session> = {}): Session {
  return {
    id: randomId(),
    issuer: 'https://idp.example',
    sub: 'alice',
    sid: 'sid-1',
    claims: { sub: 'alice', name: 'Alice Example', email: 'alice@example.com' },
    tokens: { accessToken: fakeJwt(200), tokenType: 'Bearer' },
    version: 1,
    createdAt: START,
    lastSeenAt: START,
    expiresAt: START + 8 * 3_600_000,
    ...overrides,
  }
}

/** A session with a 3 KB ID token, a 1.2 KB access token and a refresh token. */
function makeBigSession(): Session {
  return makeSession({
    tokens: {
      accessToken: fakeJwt(1200),
      tokenType: 'Bearer',
      accessTokenExpiresAt: START / 1000 + 300,
      refreshToken: randomId(48),
      idToken: fakeJwt(3072),
      scope: 'openid profile email offline_access',
    },
  })
}

async function setup(keys = [newKey]) {
  const time = { now: START }
  const sessions = createCookieSessions({
    sealer: await createSealer(keys),
    cookie: { name: NAME, sameSite: 'Strict' },
    now: () => time.now,
  })
  return { time, sessions }
}

/** A session saved by one response and kept by the browser. */
async function withSavedSession() {
  const { sessions } = await setup()
  const browser = new Browser()
  const session = makeSession()
  const jar = new CookieJar(null)
  await sessions.save(session, jar)
  browser.receive(jar)
  return { sessions, browser, session }
}

/** A browser's cookie storage for one site: applies Set-Cookie, sends Cookie. */
class Browser {
  readonly cookies = new Map<string, string>()

  receive(jar: CookieJar): void {
    for (const header of jar.setCookieHeaders()) {
      const pair = header.slice(0, header.indexOf(';'))
      const name = pair.slice(0, pair.indexOf('='))
      if (/; Max-Age=0(;|$)/.test(header)) this.cookies.delete(name)
      else this.cookies.set(name, pair.slice(name.length + 1))
    }
  }

  request(): CookieJar {
    return new CookieJar([...this.cookies].map(([name, value]) => `${name}=${value}`).join('; '))
  }
}

/** Bytes of name+value of each Set-Cookie header, as browsers count them (C-10). */
function nameValueBytes(jar: CookieJar): number[] {
  return jar.setCookieHeaders().map((header) => {
    const pair = header.slice(0, header.indexOf(';'))
    return Buffer.byteLength(pair) - 1
  })
}

describe('createCookieSessions', () => {
  it('seals a small session in one Secure, HttpOnly, Path=/, SameSite=Strict cookie (C-01..C-05, C-09)', async () => {
    const { sessions } = await setup()
    const session = makeSession()
    const jar = new CookieJar(null)
    await sessions.save(session, jar)
    const [header, ...rest] = jar.setCookieHeaders()
    assert.deepEqual(rest, [])
    assert.match(
      header!,
      new RegExp(
        `^${NAME}=[A-Za-z0-9_-]+; Max-Age=28800; Path=/; Secure; HttpOnly; SameSite=Strict$`,
      ),
    )
    assert.ok(!header!.includes(session.tokens.accessToken.slice(0, 20)))
    assert.ok(!header!.includes(encodeBase64Url(new TextEncoder().encode('alice'))))
  })

  it('round-trips a session through the next request, without renew', async () => {
    const { sessions, browser, session } = await withSavedSession()
    assert.deepEqual(await sessions.load(browser.request()), { session, renew: false })
  })

  it('splits a session with a 3 KB ID token so every cookie name+value is <= 4096 bytes (C-10)', async () => {
    const { sessions } = await setup()
    const session = makeBigSession()
    const jar = new CookieJar(null)
    await sessions.save(session, jar)
    const names = jar.setCookieHeaders().map((header) => header.slice(0, header.indexOf('=')))
    assert.deepEqual(names, [`${NAME}.0`, `${NAME}.1`])
    for (const bytes of nameValueBytes(jar)) assert.ok(bytes <= 4000, `${bytes} bytes`)
    for (const header of jar.setCookieHeaders()) {
      assert.match(header, /; Max-Age=28800; Path=\/; Secure; HttpOnly; SameSite=Strict$/)
    }

    const browser = new Browser()
    browser.receive(jar)
    assert.deepEqual(await sessions.load(browser.request()), { session, renew: false })
  })

  it('expires stale chunks in the same response when the session shrinks (C-10)', async () => {
    const { sessions } = await setup()
    const browser = new Browser()
    const big = new CookieJar(null)
    await sessions.save(makeBigSession(), big)
    browser.receive(big)

    const small = makeSession()
    const jar = browser.request()
    await sessions.save(small, jar)
    const expired = jar.setCookieHeaders().filter((header) => header.includes('Max-Age=0'))
    assert.deepEqual(
      expired.map((header) => header.slice(0, header.indexOf('='))),
      [`${NAME}.0`, `${NAME}.1`],
    )
    for (const header of expired) {
      assert.match(header, /=; Max-Age=0; Path=\/; Secure; HttpOnly; SameSite=Strict$/)
    }
    browser.receive(jar)
    assert.deepEqual([...browser.cookies.keys()], [NAME])
    assert.deepEqual((await sessions.load(browser.request()))?.session, small)
  })

  it('expires the unchunked cookie in the same response when the session grows (C-10)', async () => {
    const { sessions } = await setup()
    const browser = new Browser()
    const small = new CookieJar(null)
    await sessions.save(makeSession(), small)
    browser.receive(small)

    const big = makeBigSession()
    const jar = browser.request()
    await sessions.save(big, jar)
    browser.receive(jar)
    assert.deepEqual([...browser.cookies.keys()].sort(), [`${NAME}.0`, `${NAME}.1`])
    assert.deepEqual((await sessions.load(browser.request()))?.session, big)
  })

  it('expires a stale higher chunk when the chunk count drops (C-10)', async () => {
    const { sessions } = await setup()
    const browser = new Browser()
    const jar = new CookieJar(null)
    await sessions.save(makeBigSession(), jar)
    browser.receive(jar)
    browser.cookies.set(`${NAME}.2`, 'left-over')

    const next = browser.request()
    const session = makeBigSession()
    await sessions.save(session, next)
    browser.receive(next)
    assert.deepEqual([...browser.cookies.keys()].sort(), [`${NAME}.0`, `${NAME}.1`])
    assert.deepEqual((await sessions.load(browser.request()))?.session, session)
  })

  it('opens a cookie sealed with the previous key with renew, and saving re-seals it with the new key (C-09)', async () => {
    const before = await setup([oldKey])
    const after = await setup([newKey, oldKey])
    const onlyNew = await setup([newKey])
    const browser = new Browser()
    const session = makeBigSession()
    const jar = new CookieJar(null)
    await before.sessions.save(session, jar)
    browser.receive(jar)

    const request = browser.request()
    const loaded = await after.sessions.load(request)
    assert.deepEqual(loaded, { session, renew: true })
    await after.sessions.save(loaded.session, request)
    browser.receive(request)
    assert.deepEqual(await onlyNew.sessions.load(browser.request()), { session, renew: false })
    assert.equal(await before.sessions.load(browser.request()), undefined)
  })

  it('treats tampered, truncated, reordered or missing chunks as no session (C-09, C-10)', async () => {
    const { sessions } = await setup()
    const browser = new Browser()
    const jar = new CookieJar(null)
    await sessions.save(makeBigSession(), jar)
    browser.receive(jar)
    const [first, second] = [browser.cookies.get(`${NAME}.0`)!, browser.cookies.get(`${NAME}.1`)!]
    const flip = (text: string, at: number) =>
      text.slice(0, at) + (text[at] === 'A' ? 'B' : 'A') + text.slice(at + 1)

    const variants: Record<string, string> = {
      'tampered first chunk': `${NAME}.0=${flip(first, 100)}; ${NAME}.1=${second}`,
      'tampered last byte': `${NAME}.0=${first}; ${NAME}.1=${flip(second, second.length - 1)}`,
      'truncated last chunk': `${NAME}.0=${first}; ${NAME}.1=${second.slice(0, -4)}`,
      'reordered chunks': `${NAME}.0=${second}; ${NAME}.1=${first}`,
      'missing first chunk': `${NAME}.1=${second}`,
      'missing last chunk': `${NAME}.0=${first}`,
      'gap before a chunk': `${NAME}.0=${first}; ${NAME}.2=${second}`,
      'extra chunk': `${NAME}.0=${first}; ${NAME}.1=${second}; ${NAME}.2=AAAA`,
      'chunks joined into the plain name': `${NAME}=${first}${second}x`,
      'empty value': `${NAME}=`,
      'junk value': `${NAME}=%00<script>`,
    }
    for (const [label, header] of Object.entries(variants)) {
      assert.equal(await sessions.load(new CookieJar(header)), undefined, label)
    }
  })

  it('refuses to save a session whose id is not from randomId()', async () => {
    const { sessions } = await setup()
    await assert.rejects(
      sessions.save(makeSession({ id: 'alice' }), new CookieJar(null)),
      TypeError,
    )
  })

  it('does not open a value sealed for another cookie name', async () => {
    const sealer = await createSealer([newKey])
    const { sessions } = await setup()
    const forged = await sealer.sealJson(makeSession(), `${NAME}-tx-abc`)
    assert.equal(await sessions.load(new CookieJar(`${NAME}=${forged}`)), undefined)
  })

  it('treats a session past its expiresAt as no session (C-12)', async () => {
    const { sessions, time } = await setup()
    const browser = new Browser()
    const jar = new CookieJar(null)
    const session = makeSession()
    await sessions.save(session, jar)
    browser.receive(jar)
    time.now = session.expiresAt
    assert.equal(await sessions.load(browser.request()), undefined)
  })

  it('destroy expires every chunk present plus the plain name, with the same attributes', async () => {
    const { sessions } = await setup()
    const browser = new Browser()
    const jar = new CookieJar(null)
    await sessions.save(makeBigSession(), jar)
    browser.receive(jar)
    browser.cookies.set('other', 'kept')

    const request = browser.request()
    await sessions.destroy(undefined, request)
    assert.deepEqual(request.setCookieHeaders(), [
      `${NAME}=; Max-Age=0; Path=/; Secure; HttpOnly; SameSite=Strict`,
      `${NAME}.0=; Max-Age=0; Path=/; Secure; HttpOnly; SameSite=Strict`,
      `${NAME}.1=; Max-Age=0; Path=/; Secure; HttpOnly; SameSite=Strict`,
    ])
    browser.receive(request)
    assert.deepEqual([...browser.cookies.keys()], ['other'])
  })

  it('refuses the cookie of a session this process ended, so a request in flight cannot refresh it again (R-02)', async () => {
    const { sessions, browser, session } = await withSavedSession()
    const stale = browser.request()
    await sessions.destroy(session, new CookieJar(null))
    assert.equal(await sessions.load(stale), undefined)
    assert.equal(await sessions.replace({ ...session, version: session.version + 1 }, 1), false)
  })

  it('destroy then save in one response leaves only the new session (L-19)', async () => {
    const { sessions } = await setup()
    const browser = new Browser()
    const jar = new CookieJar(null)
    await sessions.save(makeBigSession(), jar)
    browser.receive(jar)

    const request = browser.request()
    const previous = await sessions.load(request)
    await sessions.destroy(previous?.session, request)
    const fresh = makeSession()
    await sessions.save(fresh, request)
    browser.receive(request)
    assert.deepEqual([...browser.cookies.keys()], [NAME])
    assert.deepEqual((await sessions.load(browser.request()))?.session, fresh)
  })

  it('caps Max-Age at 400 days and expires the cookies of an already expired session (C-11)', async () => {
    const { sessions } = await setup()
    const long = new CookieJar(null)
    await sessions.save(makeSession({ expiresAt: START + 500 * 86_400_000 }), long)
    assert.match(long.setCookieHeaders()[0]!, /; Max-Age=34560000;/)
    const over = new CookieJar(null)
    await sessions.save(makeSession({ expiresAt: START - 1 }), over)
    assert.deepEqual(over.setCookieHeaders(), [
      `${NAME}=; Max-Age=0; Path=/; Secure; HttpOnly; SameSite=Strict`,
    ])
  })

  it('writes SameSite, Domain and Partitioned as configured (C-03, C-04, C-17)', async () => {
    const sessions = createCookieSessions({
      sealer: await createSealer([newKey]),
      cookie: { name: '__Secure-s', sameSite: 'None', domain: 'example.com', partitioned: true },
      now: () => START,
    })
    const jar = new CookieJar(null)
    await sessions.save(makeSession(), jar)
    assert.match(
      jar.setCookieHeaders()[0]!,
      /; Max-Age=28800; Domain=example.com; Path=\/; Secure; HttpOnly; SameSite=None; Partitioned$/,
    )
  })

  it('refuses at creation a __Host- name with a Domain (C-05)', async () => {
    const sealer = await createSealer([newKey])
    assert.throws(
      () =>
        createCookieSessions({ sealer, cookie: { name: NAME, sameSite: 'Lax', domain: 'a.com' } }),
      TypeError,
    )
  })

  it('keeps a replay cache: seenOnce true then false (L-06)', async () => {
    const { sessions } = await setup()
    assert.equal(await sessions.seenOnce('state', 60), true)
    assert.equal(await sessions.seenOnce('state', 60), false)
    await sessions.close()

    const replayCache = createMemoryStore()
    const shared = createCookieSessions({
      sealer: await createSealer([newKey]),
      cookie: { name: NAME, sameSite: 'Strict' },
      replayCache,
    })
    assert.equal(await replayCache.seenOnce('logout-jti', 60), true)
    assert.equal(await shared.seenOnce('logout-jti', 60), false)
    await shared.close()
  })
})
