// The client in real Chromium, two tabs of one browser against a fake same-origin Coatcheck:
// a login in one tab reaches the other, a logout in one tab moves the other within 2 s
// without a reload (BroadcastChannel), and a server-sent `session-ended` moves both.
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import type { Browser, Page } from 'playwright-core'
import { launchChromium } from '../../../scripts/launch-chromium.ts'
import {
  startFakeCoatcheckServer,
  type FakeCoatcheckServer,
} from './browser/fake-coatcheck-server.ts'

const CROSS_TAB_LIMIT_MS = 2_000

describe('the client in Chromium', () => {
  let server: FakeCoatcheckServer
  let browser: Browser
  before(async () => {
    server = await startFakeCoatcheckServer()
    browser = await launchChromium()
  })
  after(async () => {
    await browser?.close()
    await server?.close()
  })

  const status = (page: Page, text: string, timeout = 5_000) =>
    page.locator('#status', { hasText: text }).waitFor({ timeout })
  const loadId = (page: Page) => page.evaluate(() => document.documentElement.dataset.loadId)

  it('keeps two tabs in step: login, logout and a server-side session end', async () => {
    const context = await browser.newContext()
    const [tab1, tab2] = [await context.newPage(), await context.newPage()]
    for (const tab of [tab1, tab2]) {
      await tab.goto(server.url)
      await status(tab, 'anonymous')
    }
    const tab2LoadId = await loadId(tab2)

    await tab1.click('#login')
    await status(tab1, 'authenticated as Alice')
    await status(tab2, 'authenticated as Alice', CROSS_TAB_LIMIT_MS)

    await tab1.click('#logout')
    await status(tab2, 'ended: logout', CROSS_TAB_LIMIT_MS)
    await tab1.waitForURL(`${server.url}/?logged-out`)
    await status(tab1, 'anonymous')

    await tab1.click('#login')
    await status(tab1, 'authenticated as Alice')
    await status(tab2, 'authenticated as Alice', CROSS_TAB_LIMIT_MS)
    await waitFor(() => server.openStreams() === 1)
    server.endAllSessions('revoked')
    await status(tab1, 'ended: revoked', CROSS_TAB_LIMIT_MS)
    await status(tab2, 'ended: revoked', CROSS_TAB_LIMIT_MS)

    assert.equal(await loadId(tab2), tab2LoadId, 'tab 2 was never reloaded')
    assert.ok(server.calls.length > 0)
    assert.deepEqual(
      server.calls.filter((call) => call.csrf !== '1'),
      [],
      'every call carried the anti-CSRF header',
    )
    for (const tab of [tab1, tab2]) {
      const storage = await tab.evaluate(async () => ({
        local: localStorage.length,
        session: sessionStorage.length,
        cookie: document.cookie,
        databases: (await indexedDB.databases()).length,
      }))
      assert.deepEqual(storage, { local: 0, session: 0, cookie: '', databases: 0 })
    }
    await context.close()
  })
})

/** Polls a server-side condition through the event loop; the browser side uses waitFor. */
async function waitFor(condition: () => boolean, limitMs = 5_000) {
  const deadline = Date.now() + limitMs
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await new Promise((resolve) => setImmediate(resolve))
  }
}
