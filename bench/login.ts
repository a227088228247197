// Logs in through the dev IdP over real HTTP, with the same browser model the integration
// tests use.
import type { Coatcheck } from '@coatcheck/core'
import { request, type Dispatcher } from 'undici'
import { TestBrowser } from '../packages/core/test/support/harness.ts'

/** Coatcheck's `handle`, carried out by the server at `base` over HTTP. */
export function handleOverHttp(base: string, dispatcher?: Dispatcher): Pick<Coatcheck, 'handle'> {
  return {
    async handle(incoming) {
      const { pathname, search } = new URL(incoming.url)
      const answer = await request(new URL(pathname + search, base), {
        method: incoming.method as Dispatcher.HttpMethod,
        headers: Object.fromEntries(incoming.headers),
        ...(incoming.body ? { body: await incoming.text() } : {}),
        ...(dispatcher ? { dispatcher } : {}),
      })
      const body = await answer.body.arrayBuffer()
      const headers = new Headers()
      for (const [name, value] of Object.entries(answer.headers)) {
        for (const each of [value ?? []].flat()) headers.append(name, each)
      }
      const empty = answer.statusCode === 204 || answer.statusCode === 304
      return new Response(empty ? null : body, { status: answer.statusCode, headers })
    },
  }
}

/** One whole login (Coatcheck → dev IdP form → callback); answers the logged-in browser. */
export async function loginOverHttp(base: string, dispatcher?: Dispatcher): Promise<TestBrowser> {
  const browser = new TestBrowser(handleOverHttp(base, dispatcher))
  const callback = await browser.login()
  if (callback.status !== 302 && callback.status !== 303) {
    throw new Error(`the login callback answered ${callback.status}`)
  }
  return browser
}

/** The `Cookie` header the browser sends to Coatcheck. */
export function cookieHeader(browser: TestBrowser): string {
  return [...browser.cookies].map(([name, value]) => `${name}=${value}`).join('; ')
}
