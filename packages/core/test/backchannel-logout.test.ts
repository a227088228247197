import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { decodeJwt, generateKeyPair, SignJWT } from 'jose'
import { startDevIdp, type DevIdp } from '@coatcheck/dev-idp'
import { buildClientRegistration } from '../src/index.ts'
import { CLIENT_ID, startHarness, type Harness, type TestBrowser } from './support/harness.ts'
import { listenLate, type HttpListener } from './support/http-listener.ts'
import { openEvents, readEventStream } from './support/event-stream.ts'

const EVENT = 'http://schemas.openid.net/event/backchannel-logout'
/** The faults list of the suite running now (suites run one after the other). */
let suiteFaults: (string | undefined)[] | undefined

/** The dev IdP's own signer, so each forged token fails one check only, not the signature. */
interface ProviderInternals {
  Client: { find(id: string): Promise<unknown> }
  IdToken: new (
    claims: Record<string, unknown>,
    options: { client: unknown },
  ) => {
    mask: Record<string, null>
    set(name: string, value: unknown): void
    issue(options: { use: 'logout' | 'idtoken' }): Promise<string>
  }
}

async function mintAt(idp: DevIdp, claims: Record<string, unknown>, clientId = CLIENT_ID) {
  const provider = idp.provider as ProviderInternals
  const token = new provider.IdToken(
    { sub: claims['sub'] },
    { client: await provider.Client.find(clientId) },
  )
  token.mask = { sub: null }
  for (const [name, value] of Object.entries(claims)) if (name !== 'sub') token.set(name, value)
  return token.issue({ use: 'logout' })
}

interface Setup {
  harness: Harness
  listener: HttpListener
  /** The `code` of every refused logout token, in order: which check refused it. */
  readonly faults: (string | undefined)[]
  /** Moves Coatcheck's clock. */
  advance(ms: number): void
  post(body: string, contentType?: string): Promise<Response>
  postToken(token: string): Promise<Response>
  close(): Promise<void>
}

async function setUp(config: Record<string, unknown> = {}): Promise<Setup> {
  // Listening first: the configuration needs the URL before the engine exists.
  const late: { handle?: (request: Request) => Promise<Response> } = {}
  const listener = await listenLate(() => late.handle)
  let offset = 0
  const faults: (string | undefined)[] = []
  const harness = await startHarness({
    config: { publicUrl: listener.url, ...config },
    coatcheck: {
      now: () => Date.now() + offset,
      onEvent: (event) => {
        if (event.type === 'backchannel_logout' && event.outcome === 'rejected') {
          faults.push(event.code)
        }
      },
    },
  })
  late.handle = (request) => harness.coatcheck.handle(request)
  const post = (body: string, contentType = 'application/x-www-form-urlencoded') =>
    fetch(`${listener.url}/auth/backchannel-logout`, {
      method: 'POST',
      headers: { 'content-type': contentType },
      body,
    })
  return {
    harness,
    listener,
    faults,
    advance: (ms) => void (offset += ms),
    post,
    postToken: (token) => post(new URLSearchParams({ logout_token: token }).toString()),
    async close() {
      await harness.close()
      await listener.close()
    },
  }
}

/** The newest ID token the dev IdP issued: the only JWTs it signs with a nonce. */
function latestIdToken(idp: DevIdp): string | undefined {
  return idp
    .issuedTokens()
    .filter((token) => token.split('.').length === 3 && decodeJwt(token).nonce !== undefined)
    .at(-1)
}

/** Logs in with its own IdP browser session, so each browser gets its own OP `sid`. */
async function loggedIn(setup: Setup): Promise<{ browser: TestBrowser; sid: string; sub: string }> {
  const browser = setup.harness.browser()
  await browser.login()
  const idToken = latestIdToken(setup.harness.idp)
  assert.ok(idToken)
  const { sid, sub } = decodeJwt(idToken)
  assert.equal(typeof sid, 'string', 'the dev IdP puts sid in ID tokens')
  return { browser, sid: sid as string, sub: sub ?? '' }
}

async function isLoggedIn(browser: TestBrowser): Promise<boolean> {
  const status = (await browser.fetch('/auth/session')).status
  assert.ok(status === 200 || status === 401, `unexpected ${status}`)
  return status === 200
}

/** Logs out at the dev IdP only: RP-initiated logout without Coatcheck's involvement. */
async function logOutAtIdp(setup: Setup, browser: TestBrowser) {
  const metadata = (await (
    await fetch(`${setup.harness.idp.issuer}/.well-known/openid-configuration`)
  ).json()) as { end_session_endpoint: string }
  const url = new URL(metadata.end_session_endpoint)
  url.searchParams.set('client_id', CLIENT_ID)
  await browser.signOutAtIdp(url.href)
}

async function assertRefused(response: Response, label: string, fault?: string) {
  assert.equal(response.status, 400, label)
  if (fault) assert.equal(suiteFaults?.at(-1), fault, label)
  assert.equal(response.headers.get('cache-control'), 'no-store', label)
  assert.equal(((await response.json()) as { error: string }).error, 'invalid_request', label)
}

for (const store of ['memory', 'cookie'] as const) {
  describe(`back-channel logout with the ${store} store`, () => {
    let setup: Setup
    before(async () => {
      setup = await setUp({ session: { store } })
      suiteFaults = setup.faults
    })
    after(() => setup.close())

    it('registers the endpoint with sid required (O-10)', () => {
      const registration = buildClientRegistration(setup.harness.coatcheck.config)
      assert.equal(
        registration['backchannel_logout_uri'],
        `${setup.listener.url}/auth/backchannel-logout`,
      )
      assert.equal(registration['backchannel_logout_session_required'], true)
    })

    it('ends the Coatcheck session and its event stream when the user logs out at the IdP, and only that one (O-11, O-16, C-15)', async () => {
      const first = await loggedIn(setup)
      const second = await loggedIn(setup)
      assert.notEqual(first.sid, second.sid)
      const events = await openEvents(setup.harness.coatcheck, first.browser)
      const stream = readEventStream(events.body!)
      await stream.until((text) => text.length > 0)
      await logOutAtIdp(setup, first.browser)
      await stream.ended()
      assert.deepEqual(stream.events(), [
        { event: 'session-ended', data: { reason: 'backchannel_logout' } },
      ])
      assert.equal(setup.listener.bodies.get('/auth/backchannel-logout')?.length, 1)
      assert.equal(await isLoggedIn(first.browser), false, 'the logged-out session ended')
      assert.equal(await isLoggedIn(second.browser), true, 'the other OP session lives on')
    })

    it('refuses forged logout tokens with 400 and ends nothing (O-12, O-15)', async () => {
      const { browser, sid, sub } = await loggedIn(setup)
      const idp = setup.harness.idp
      const valid = { sub, sid, events: { [EVENT]: {} } }
      const jti = () => crypto.randomUUID()

      const idToken = latestIdToken(idp)
      assert.ok(idToken)
      // An ID token has no jti (a required logout-token claim), nor events, and has a nonce.
      await assertRefused(await setup.postToken(idToken), 'an ID token', 'claims')
      await assertRefused(
        await setup.postToken(await mintAt(idp, { ...valid, jti: jti(), nonce: 'n' })),
        'a token with a nonce',
        'not_logout_token',
      )
      await assertRefused(
        await setup.postToken(await mintAt(idp, { sub, sid, jti: jti() })),
        'a token without events',
        'not_logout_token',
      )
      await idp.registerClient({
        ...buildClientRegistration(setup.harness.coatcheck.config),
        client_id: 'another-client',
      })
      await assertRefused(
        await setup.postToken(await mintAt(idp, { ...valid, jti: jti() }, 'another-client')),
        'a token for another audience',
        'claims',
      )
      const otherIdp = await startDevIdp({ port: 0, host: '127.0.0.1' })
      try {
        await otherIdp.registerClient(buildClientRegistration(setup.harness.coatcheck.config))
        await assertRefused(
          await setup.postToken(await mintAt(otherIdp, { ...valid, jti: jti() })),
          'a token of another issuer',
          'signature',
        )
      } finally {
        await otherIdp.close()
      }
      const unsigned = [
        Buffer.from(JSON.stringify({ alg: 'none', typ: 'logout+jwt' })).toString('base64url'),
        Buffer.from(
          JSON.stringify({
            ...valid,
            iss: idp.issuer,
            aud: CLIENT_ID,
            iat: Math.floor(Date.now() / 1000),
            exp: Math.floor(Date.now() / 1000) + 120,
            jti: jti(),
          }),
        ).toString('base64url'),
        '',
      ].join('.')
      await assertRefused(await setup.postToken(unsigned), 'alg: none', 'signature')
      const { privateKey } = await generateKeyPair('RS256')
      const idpKid = (
        (await (await fetch(`${idp.issuer}/jwks`)).json()) as { keys: { kid: string }[] }
      ).keys[0]?.kid
      const foreign = await new SignJWT({ ...valid, jti: jti() })
        .setProtectedHeader({ alg: 'RS256', typ: 'logout+jwt', kid: idpKid ?? 'k' })
        .setIssuer(idp.issuer)
        .setAudience(CLIENT_ID)
        .setIssuedAt()
        .setExpirationTime('2m')
        .sign(privateKey)
      await assertRefused(
        await setup.postToken(foreign),
        'a token signed by a foreign key',
        'signature',
      )
      const expired = await mintAt(idp, { ...valid, jti: jti() })
      setup.advance(10 * 60_000)
      try {
        await assertRefused(await setup.postToken(expired), 'an expired token', 'claims')
      } finally {
        setup.advance(-10 * 60_000)
      }
      assert.equal(await isLoggedIn(browser), true, 'no forged token ended the session')
    })

    it('accepts a logout token once: a replayed jti gets 400 (O-13)', async () => {
      const { browser, sid, sub } = await loggedIn(setup)
      const token = await mintAt(setup.harness.idp, {
        sub,
        sid,
        events: { [EVENT]: {} },
        jti: crypto.randomUUID(),
      })
      const first = await setup.postToken(token)
      assert.equal(first.status, 200)
      assert.equal(first.headers.get('cache-control'), 'no-store')
      assert.equal(await isLoggedIn(browser), false)
      // The same OP session logs in again (SSO): the replayed token must not end it.
      await browser.login()
      assert.equal(await isLoggedIn(browser), true)
      await assertRefused(await setup.postToken(token), 'a replayed token', 'replayed')
      assert.equal(await isLoggedIn(browser), true)
    })

    it('ends every session of the user for a token with sub only, not later logins (O-16)', async () => {
      const first = await loggedIn(setup)
      const second = await loggedIn(setup)
      const token = await mintAt(setup.harness.idp, {
        sub: first.sub,
        events: { [EVENT]: {} },
        jti: crypto.randomUUID(),
      })
      setup.advance(1)
      assert.equal((await setup.postToken(token)).status, 200)
      assert.equal(await isLoggedIn(first.browser), false)
      assert.equal(await isLoggedIn(second.browser), false)
      setup.advance(1)
      const later = await loggedIn(setup)
      assert.equal(await isLoggedIn(later.browser), true)
    })

    it('answers malformed requests with 400, never 500, and needs no CSRF header (O-11)', async () => {
      await assertRefused(await setup.post('logout_token=x', 'application/json'), 'JSON')
      await assertRefused(await setup.post('other=1'), 'no logout_token')
      await assertRefused(await setup.post('logout_token=a&logout_token=b'), 'two tokens')
      await assertRefused(await setup.post('logout_token=not.a.jwt'), 'garbage')
      await assertRefused(
        await setup.post(`logout_token=${'a'.repeat(20_000)}`),
        'a body over the size bound',
      )
      const get = await fetch(`${setup.listener.url}/auth/backchannel-logout`)
      assert.equal(get.status, 405)
    })
  })
}
