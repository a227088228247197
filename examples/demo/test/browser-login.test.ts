// The demo in real Chromium: alice logs in through the SPA's UI, sees her name, calls the
// API through Coatcheck and logs out. Every response the browser receives, its cookies and
// its storage are swept for the tokens the dev IdP issued.
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { recordForSweep } from '@coatcheck/dev-idp'
import type { Browser, Page } from 'playwright-core'
import { launchChromium } from '../../../scripts/launch-chromium.ts'
import { startDemo } from '../src/start-demo.ts'

interface Seen {
  url: string
  method: string
  status: number
  headers: string
  body: string
}

type Demo = Awaited<ReturnType<typeof startDemo>>

describe('the demo in Chromium', () => {
  let demo: Demo
  let browser: Browser
  before(async () => {
    demo = await startDemo({
      host: '127.0.0.1',
      hostname: '127.0.0.1',
      ports: { spa: 0, coatcheck: 0, idp: 0, api: 0 },
      quiet: true,
    })
    browser = await launchChromium()
  })
  after(async () => {
    await browser?.close()
    await demo?.close()
  })

  it('logs alice in, calls the API, logs out, and never lets a token reach the browser (C-14)', async () => {
    const context = await browser.newContext()
    const page = await context.newPage()
    const seen = recordTraffic(page)

    await page.goto(demo.urls.spa)
    await page.getByRole('button', { name: 'Log in' }).click()
    await page.getByLabel('Username').fill('alice')
    await page.getByLabel('Password').fill('wonderland')
    await page.getByRole('button', { name: 'Sign in' }).click()
    await page.waitForURL(`${demo.urls.spa}**`)
    await page.locator('#user-name').getByText('Alice Example').waitFor()

    await page.getByRole('button', { name: 'Call API' }).click()
    const result = page.locator('#api-result')
    await result.getByText('"sub"').waitFor()
    const answer = JSON.parse((await result.textContent()) ?? '{}') as {
      caller: { roles: string[] }
    }
    assert.deepEqual(answer.caller.roles, ['admin'])
    // The session cookie is among these: the log sweep of the test run looks for it too.
    for (const cookie of await context.cookies()) recordForSweep('session_cookie', cookie.value)

    const storage = await browserStorage(page)
    await page.getByRole('button', { name: 'Log out' }).click()
    await page.waitForURL(`${demo.urls.spa}**`)
    await page.getByRole('button', { name: 'Log in' }).waitFor()
    assert.equal(
      (await page.locator('#user-name').count()) === 0 ||
        (await page.locator('#user-name').textContent()) === '',
      true,
    )

    // Logged out at Coatcheck: the session endpoint now answers 401 for this browser.
    const status = await page.evaluate(async (coatcheck) => {
      const response = await fetch(`${coatcheck}/auth/session`, {
        credentials: 'include',
        headers: { 'x-csrf': '1' },
      })
      return response.status
    }, demo.urls.coatcheck)
    assert.equal(status, 401)

    storage.push(...(await browserStorage(page)))
    const cookies = await context.cookies()
    await context.close()

    const tokens = classifyTokens(demo.idp.issuedTokens())
    assert.ok(tokens.secret.length >= 2, 'the IdP issued an access and a refresh token')
    assert.ok(tokens.id.length >= 1, 'the IdP issued an ID token')
    const everywhere = [
      ...seen.map((entry) => `${entry.url}\n${entry.headers}\n${entry.body}`),
      ...storage,
      ...cookies.map((cookie) => `${cookie.name}=${cookie.value}`),
    ]
    for (const token of tokens.secret) {
      for (const text of everywhere)
        assert.ok(!text.includes(token), 'an access or refresh token reached the browser')
    }
    // The ID token may appear only as the id_token_hint of the IdP end-session navigation:
    // in the logout answer's logoutUrl and in that navigation's URL.
    const endSession = `${demo.urls.idp}/`
    for (const token of tokens.id) {
      for (const entry of seen) {
        const isLogoutAnswer =
          entry.method === 'POST' && entry.url === `${demo.urls.coatcheck}/auth/logout`
        const isEndSession =
          entry.url.startsWith(endSession) && entry.url.includes('id_token_hint=')
        if (isLogoutAnswer || isEndSession) continue
        assert.ok(
          !`${entry.url}\n${entry.headers}\n${entry.body}`.includes(token),
          `ID token in ${entry.url}`,
        )
      }
      for (const text of [...storage, ...cookies.map((c) => c.value)])
        assert.ok(!text.includes(token))
    }
  })
})

function recordTraffic(page: Page): Seen[] {
  const seen: Seen[] = []
  page.on('response', async (response) => {
    const entry: Seen = {
      url: response.url(),
      method: response.request().method(),
      status: response.status(),
      headers: JSON.stringify(await response.allHeaders()),
      body: '',
    }
    seen.push(entry)
    if (response.status() < 300 || response.status() >= 400) {
      entry.body = await response.text().catch(() => '')
    }
  })
  return seen
}

/** document.cookie, localStorage, sessionStorage and IndexedDB of the SPA's origin. */
async function browserStorage(page: Page): Promise<string[]> {
  return page.evaluate(async () => {
    const found = [
      document.cookie,
      JSON.stringify({ ...localStorage }),
      JSON.stringify({ ...sessionStorage }),
    ]
    for (const info of await indexedDB.databases()) found.push(JSON.stringify(info))
    return found
  })
}

/** Splits issued tokens into ID tokens and the rest (access, refresh, logout tokens). */
function classifyTokens(all: string[]): { id: string[]; secret: string[] } {
  const id: string[] = []
  const secret: string[] = []
  for (const token of all) {
    const [header] = token.split('.')
    let typ: unknown
    let isJwt = false
    try {
      typ = (JSON.parse(Buffer.from(header ?? '', 'base64url').toString()) as { typ?: unknown }).typ
      isJwt = token.split('.').length === 3
    } catch {
      isJwt = false
    }
    if (isJwt && typ !== 'at+jwt' && typ !== 'logout+jwt') id.push(token)
    else secret.push(token)
  }
  return { id, secret }
}
