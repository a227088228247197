// The demo in real Chromium, with each session store: alice logs in through the SPA's UI,
// calls the API through Coatcheck, tries the XSS lab and logs out. Every response the
// browser receives, its cookies and its storage are swept for the tokens the dev IdP issued.
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import type { Browser } from 'playwright-core'
import { launchChromium } from '../../../scripts/launch-chromium.ts'
import { startDemo, type Demo } from '../src/index.ts'
import {
  assertNoTokenReachedTheBrowser,
  browserStorage,
  logInThroughUi,
  recordTraffic,
} from './support/token-sweep.ts'

for (const sessionStore of ['memory', 'cookie'] as const) {
  describe(`the demo in Chromium, ${sessionStore} store`, () => {
    let demo: Demo
    let browser: Browser
    before(async () => {
      demo = await startDemo({
        host: '127.0.0.1',
        hostname: '127.0.0.1',
        ports: { spa: 0, vue: 0, coatcheck: 0, idp: 0, api: 0 },
        sessionStore,
        quiet: true,
      })
      browser = await launchChromium()
    })
    after(async () => {
      await browser?.close()
      await demo?.close()
    })

    it('logs alice in, calls the API, shows the XSS lab, logs out, and never lets a token reach the browser (C-14)', async () => {
      const context = await browser.newContext()
      const page = await context.newPage()
      const seen = recordTraffic(page)

      await logInThroughUi(page, demo.urls.spa, { username: 'alice', password: 'wonderland' })
      await page.locator('#user-name').getByText('Alice Example').waitFor()
      await page.getByRole('button', { name: 'Call API' }).click()
      const result = page.locator('#api-result')
      await result.getByText('"sub"').waitFor()
      const answer = JSON.parse((await result.textContent()) ?? '{}') as {
        caller: { roles: string[] }
      }
      assert.deepEqual(answer.caller.roles, ['admin'])

      // The XSS lab: the CSP stops injected inline script; the payload finds no token and
      // cannot send anything away, but can use the session while the page is open.
      await page.getByRole('link', { name: 'XSS lab' }).click()
      await page.getByRole('button', { name: 'Inject an inline script' }).click()
      await page.locator('#csp-violations li').first().waitFor()
      await page.getByRole('button', { name: 'Run the payload' }).click()
      const findings = page.locator('#findings li')
      await findings.last().waitFor()
      const reached = await findings.evaluateAll((items) =>
        items.map((item) => item.getAttribute('data-reached')),
      )
      assert.deepEqual(reached, ['no', 'no', 'no', 'no', 'yes'])
      assert.notEqual(await page.title(), 'pwned')

      const storage = await browserStorage(page)
      await page.getByRole('button', { name: 'Log out' }).click()
      await page.waitForURL(`${demo.urls.spa}**`)
      await page.getByRole('button', { name: 'Log in' }).waitFor()

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
      await assertNoTokenReachedTheBrowser(demo, seen, storage, [context])
      await context.close()
    })
  })
}
