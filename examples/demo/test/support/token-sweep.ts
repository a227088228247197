// The token sweep of the demo's Chromium tests: everything a browser received or kept,
// checked against every token the dev IdP issued (C-14).
import assert from 'node:assert/strict'
import { recordForSweep } from '@coatcheck/dev-idp'
import type { BrowserContext, Page } from 'playwright-core'
import type { Demo } from '../../src/index.ts'

interface Seen {
  url: string
  method: string
  status: number
  headers: string
  body: string
}

/** Records every response a page receives: URL, headers and (non-redirect) body. */
export function recordTraffic(page: Page): Seen[] {
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

/** document.cookie, localStorage, sessionStorage and IndexedDB of the page's origin. */
export async function browserStorage(page: Page): Promise<string[]> {
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

/**
 * Asserts that no access or refresh token appears anywhere the browser got or kept, and
 * the ID token only as the `id_token_hint` of the logout navigation to the dev IdP.
 */
export async function assertNoTokenReachedTheBrowser(
  demo: Demo,
  seen: Seen[],
  storage: string[],
  contexts: BrowserContext[],
): Promise<void> {
  const cookies = (await Promise.all(contexts.map((context) => context.cookies()))).flat()
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
  const endSession = `${demo.urls.idp}/`
  for (const token of tokens.id) {
    for (const entry of seen) {
      const isLogoutAnswer =
        entry.method === 'POST' && entry.url === `${demo.urls.coatcheck}/auth/logout`
      const isEndSession = entry.url.startsWith(endSession) && entry.url.includes('id_token_hint=')
      if (isLogoutAnswer || isEndSession) continue
      assert.ok(
        !`${entry.url}\n${entry.headers}\n${entry.body}`.includes(token),
        `ID token in ${entry.url}`,
      )
    }
    for (const text of [...storage, ...cookies.map((c) => c.value)])
      assert.ok(!text.includes(token))
  }
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

/** Logs in through the SPA's button and the dev IdP's form, back on `appUrl`. */
export async function logInThroughUi(
  page: Page,
  appUrl: string,
  credentials: { username: string; password: string },
): Promise<void> {
  await page.goto(appUrl)
  await page.getByRole('button', { name: 'Log in' }).click()
  await page.getByLabel('Username').fill(credentials.username)
  await page.getByLabel('Password').fill(credentials.password)
  await page.getByRole('button', { name: 'Sign in' }).click()
  await page.waitForURL(`${appUrl}**`)
  await page.locator('#user-name').waitFor()
  // The session cookie is among these: the log sweep of the test run looks for it too.
  for (const cookie of await page.context().cookies())
    recordForSweep('session_cookie', cookie.value)
}
