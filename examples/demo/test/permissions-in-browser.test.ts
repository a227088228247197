// One policy, two sides, in real Chromium: the API's rules reach the SPA through
// Coatcheck's /auth/session and decide its buttons, while the API still refuses what they
// hide. Then logout in one tab reaches the other, and the token sweep finds nothing.
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { launchChromium } from '../../../scripts/launch-chromium.ts'
import { startDemo, type Demo } from '../src/index.ts'
import {
  assertNoTokenReachedTheBrowser,
  browserStorage,
  logInThroughUi,
  recordTraffic,
} from './support/token-sweep.ts'

const BOB = { username: 'bob', password: 'builder' }
const CAROL = { username: 'carol', password: 'marvel' }

describe('permissions in the demo SPA, in Chromium', () => {
  let demo: Demo
  let browser: Browser
  const contexts: BrowserContext[] = []
  const seen: ReturnType<typeof recordTraffic> = []
  const storage: string[] = []
  before(async () => {
    demo = await startDemo({
      host: '127.0.0.1',
      hostname: '127.0.0.1',
      ports: { spa: 0, vue: 0, coatcheck: 0, idp: 0, api: 0 },
      quiet: true,
    })
    browser = await launchChromium()
  })
  after(async () => {
    await browser?.close()
    await demo?.close()
  })

  /** A fresh browser profile whose pages are all recorded for the sweep. */
  async function newPage(context?: BrowserContext): Promise<Page> {
    if (!context) {
      context = await browser.newContext()
      contexts.push(context)
    }
    const page = await context.newPage()
    const traffic = recordTraffic(page)
    page.on('close', () => seen.push(...traffic))
    return page
  }
  const article = (page: Page, id: string) => page.locator(`[data-article="${id}"]`)

  it('shows bob Edit on his own draft only, and the API refuses the edit he forces (S-30, S-31)', async () => {
    const page = await newPage()
    await logInThroughUi(page, demo.urls.spa, BOB)
    const ownEdit = article(page, 'bobs-draft').getByRole('button', { name: 'Edit' })
    await ownEdit.waitFor()
    await article(page, 'welcome').waitFor()
    assert.equal(await article(page, 'welcome').getByRole('button', { name: 'Edit' }).count(), 0)
    assert.equal(
      await article(page, 'alices-draft').getByRole('button', { name: 'Edit' }).count(),
      0,
    )

    // The edit form works for his draft.
    await ownEdit.click()
    await page.getByLabel('Title').fill('DPoP, plainly')
    await page.getByRole('button', { name: 'Save' }).click()
    await article(page, 'bobs-draft').getByText('DPoP, plainly').waitFor()

    // The hidden button is only UX: the request sent by hand gets the API's 403.
    const forced = await page.evaluate(async (coatcheck) => {
      const response = await fetch(`${coatcheck}/api/demo/articles/welcome`, {
        method: 'PUT',
        credentials: 'include',
        headers: { 'x-csrf': '1', 'content-type': 'application/json' },
        body: JSON.stringify({ title: 'Defaced', body: 'by bob' }),
      })
      return {
        status: response.status,
        body: (await response.json()) as { error: string; message: string },
      }
    }, demo.urls.coatcheck)
    assert.deepEqual(forced, {
      status: 403,
      body: { error: 'insufficient_scope', message: forced.body.message },
    })
    storage.push(...(await browserStorage(page)))
  })

  it('shows carol no Edit button at all (S-30)', async () => {
    const page = await newPage()
    await logInThroughUi(page, demo.urls.spa, CAROL)
    await article(page, 'welcome').getByText('So the XSS lab').waitFor()
    assert.equal(await page.getByRole('button', { name: 'Edit' }).count(), 0)
    assert.equal(await article(page, 'bobs-draft').count(), 0, 'drafts are not hers to read')
    storage.push(...(await browserStorage(page)))
  })

  it('hides Edit for carol with v-can in the Vue example, on its own origin (S-30)', async () => {
    const page = await newPage()
    await page.goto(demo.urls.vue)
    await page.getByRole('button', { name: 'Log in' }).click()
    // The dev IdP remembers nobody across profiles: the form again, then back to Vue.
    await page.getByLabel('Username').fill(CAROL.username)
    await page.getByLabel('Password').fill(CAROL.password)
    await page.getByRole('button', { name: 'Sign in' }).click()
    await page.waitForURL(`${demo.urls.vue}**`)
    const welcome = article(page, 'welcome')
    await welcome.waitFor()
    assert.equal(await welcome.getByText('Edit').isHidden(), true)
    storage.push(...(await browserStorage(page)))
  })

  it('shows the logged-out state in a second tab within 2 s of logout in the first, without a reload', async () => {
    const first = await newPage()
    await logInThroughUi(first, demo.urls.spa, BOB)
    const second = await newPage(first.context())
    await second.goto(demo.urls.spa)
    await second.locator('#user-name').waitFor()
    let reloaded = false
    second.on('framenavigated', (frame) => {
      if (frame === second.mainFrame()) reloaded = true
    })

    const started = Date.now()
    await first.getByRole('button', { name: 'Log out' }).click()
    await second.getByRole('button', { name: 'Log in' }).waitFor({ timeout: 2_000 })
    assert.ok(Date.now() - started < 2_000)
    assert.equal(reloaded, false)
    await first.getByRole('button', { name: 'Log in' }).waitFor()
    storage.push(...(await browserStorage(first)), ...(await browserStorage(second)))
  })

  it('let no token reach any of these browsers (C-14)', async () => {
    for (const context of contexts) for (const page of context.pages()) await page.close()
    await assertNoTokenReachedTheBrowser(demo, seen, storage, contexts)
  })
})
