// The React bindings in real Chromium: useSession, useCan and <Can> re-render as the
// client's session and permissions change, with no reload and no polling.
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { build } from 'esbuild'
import type { Browser, Page } from 'playwright-core'
import { launchChromium } from '../../../scripts/launch-chromium.ts'

const PAGE = `<!doctype html><html lang="en"><head><meta charset="utf-8">
<link rel="icon" href="data:,"><title>React bindings</title></head>
<body><div id="root"></div><script type="module" src="/app.js"></script></body></html>`

interface TestHooks {
  signIn(rules: unknown[]): Promise<string>
  endOnServer(): Promise<number>
  renders(): number
}
declare const coatcheckTest: TestHooks

async function serveApp(): Promise<{ server: Server; url: string }> {
  const bundle = await build({
    entryPoints: [join(import.meta.dirname, 'browser', 'app.ts')],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    write: false,
    define: { 'process.env.NODE_ENV': '"production"' },
  })
  const script = bundle.outputFiles[0]?.text ?? ''
  const server = createServer((request, response) => {
    if (request.url === '/app.js') {
      return void response.writeHead(200, { 'content-type': 'text/javascript' }).end(script)
    }
    response.writeHead(200, { 'content-type': 'text/html' }).end(PAGE)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }
}

describe('the React bindings in Chromium', () => {
  let app: { server: Server; url: string }
  let browser: Browser
  before(async () => {
    app = await serveApp()
    browser = await launchChromium()
  })
  after(async () => {
    await browser?.close()
    app?.server.closeAllConnections()
    await new Promise((resolve) => app?.server.close(resolve))
  })

  const text = (page: Page, selector: string, value: string) =>
    page.locator(selector, { hasText: value }).waitFor({ timeout: 2_000 })

  it('re-renders on session and permission changes', async () => {
    const page = await browser.newPage()
    await page.goto(app.url)
    await text(page, '#status', 'anonymous')
    assert.equal(await page.locator('#edit').count(), 0)

    const status = await page.evaluate(() =>
      coatcheckTest.signIn([['update', 'Article', { authorId: 'bob' }]]),
    )
    assert.equal(status, 'authenticated')
    await text(page, '#status', 'signed in as Bob')
    await page.locator('#edit').waitFor({ timeout: 2_000 })
    await text(page, '#can-delete', 'no')
    const rendersBefore = await page.evaluate(() => coatcheckTest.renders())

    await page.evaluate(() =>
      coatcheckTest.signIn([
        ['read', 'Article'],
        ['delete', 'Comment'],
      ]),
    )
    await text(page, '#can-delete', 'yes')
    await page.locator('#edit').waitFor({ state: 'detached', timeout: 2_000 })
    await text(page, '#status', 'signed in as Bob')
    assert.equal(await page.evaluate(() => coatcheckTest.renders()), rendersBefore + 1)

    assert.equal(await page.evaluate(() => coatcheckTest.endOnServer()), 401)
    await text(page, '#status', 'ended: unauthenticated')
    await text(page, '#can-delete', 'no')
    await page.close()
  })
})
