import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { startDemo } from '../src/index.ts'
import { get, logInOverHttp } from './support/http-browser.ts'

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

    const fromSpa = await logInOverHttp(urls, { username: 'carol', password: 'marvel' })
    const session = await get(`${urls.coatcheck}/auth/session`, fromSpa)
    const info = JSON.parse(session.body)
    assert.equal(info.user.name, 'Carol Example')
    assert.ok(Array.isArray(info.permissions.rules), "the API's rules come with the session")
    const api = await get(`${urls.coatcheck}/api/demo/whoami`, fromSpa)
    assert.equal(api.status, 200)
    const { caller } = JSON.parse(api.body)
    assert.deepEqual(caller.roles, ['viewer'])
    assert.equal(caller.scheme, 'Bearer')
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
