import assert from 'node:assert/strict'
import { once } from 'node:events'
import { request as httpRequest, type IncomingHttpHeaders, type IncomingMessage } from 'node:http'
import { describe, it } from 'node:test'
import { signIn } from '@coatcheck/dev-idp'
import { startDemo } from '../src/index.ts'

interface Answer {
  status: number
  headers: IncomingHttpHeaders
  body: string
}

/** node:http rather than fetch: fetch always sends `Sec-Fetch-Mode: cors`, not a navigation. */
async function get(url: string, headers: Record<string, string> = {}): Promise<Answer> {
  const req = httpRequest(url, { headers })
  req.end()
  const [res] = (await once(req, 'response')) as [IncomingMessage]
  let body = ''
  for await (const chunk of res) body += String(chunk)
  return { status: res.statusCode ?? 0, headers: res.headers, body }
}

function cookiesFrom(answer: Answer): string {
  return (answer.headers['set-cookie'] ?? []).map((cookie) => cookie.split(';')[0]).join('; ')
}

describe('startDemo', () => {
  it('runs the four parts, and a signed-in SPA reaches the API through Coatcheck', async (t) => {
    const demo = await startDemo({ ports: { spa: 0, coatcheck: 0, idp: 0, api: 0 }, quiet: true })
    t.after(() => demo.close())
    const { urls } = demo
    for (const url of Object.values(urls)) assert.match(url, /^http:\/\/localhost:\d+$/)

    const index = await get(`${urls.spa}/`)
    assert.ok(index.body.includes(`<meta name="coatcheck-url" content="${urls.coatcheck}" />`))
    assert.ok(
      String(index.headers['content-security-policy']).includes(
        `connect-src 'self' ${urls.coatcheck}`,
      ),
    )

    const login = await get(
      `${urls.coatcheck}/auth/login?returnTo=${encodeURIComponent(`${urls.spa}/`)}`,
    )
    assert.equal(login.status, 302)
    const callbackUrl = await signIn(String(login.headers.location), {
      username: 'carol',
      password: 'marvel',
    })
    const callback = await get(callbackUrl, { cookie: cookiesFrom(login) })
    assert.equal(callback.headers.location, `${urls.spa}/`)

    const fromSpa = { cookie: cookiesFrom(callback), 'x-csrf': '1', origin: urls.spa }
    const session = await get(`${urls.coatcheck}/auth/session`, fromSpa)
    assert.equal(JSON.parse(session.body).user.name, 'Carol Example')
    const api = await get(`${urls.coatcheck}/api/demo/whoami`, fromSpa)
    assert.equal(api.status, 200)
    const { caller } = JSON.parse(api.body)
    assert.equal(caller.client_id, 'coatcheck-demo')
    assert.deepEqual(caller.roles, ['viewer'])
    assert.match(caller.scope, /\bdemo:read\b/)
    for (const token of demo.idp.issuedTokens()) {
      assert.ok(
        !session.body.includes(token) && !api.body.includes(token),
        'no token reaches the SPA',
      )
    }

    // The API refuses callers that come without Coatcheck's token.
    assert.equal((await get(`${urls.api}/whoami`)).status, 401)
  })

  it('stops every part on close', async () => {
    const demo = await startDemo({ ports: { spa: 0, coatcheck: 0, idp: 0, api: 0 }, quiet: true })
    await demo.close()
    for (const url of Object.values(demo.urls)) await assert.rejects(fetch(url), url)
  })
})
