// A browser over plain HTTP for the demo's non-browser tests: navigations with node:http
// (fetch always sends `Sec-Fetch-Mode: cors`, never a navigation), the login through the dev
// IdP's form, then the SPA's calls with the session cookie and the anti-CSRF header.
import { once } from 'node:events'
import { request as httpRequest, type IncomingHttpHeaders, type IncomingMessage } from 'node:http'
import { signIn } from '@coatcheck/dev-idp'
import type { DemoUrls } from '../../src/index.ts'

export interface Answer {
  status: number
  headers: IncomingHttpHeaders
  body: string
}

export async function get(url: string, headers: Record<string, string> = {}): Promise<Answer> {
  const req = httpRequest(url, { headers })
  req.end()
  const [res] = (await once(req, 'response')) as [IncomingMessage]
  let body = ''
  for await (const chunk of res) body += String(chunk)
  return { status: res.statusCode ?? 0, headers: res.headers, body }
}

export function cookiesFrom(answer: Answer): string {
  return (answer.headers['set-cookie'] ?? []).map((cookie) => cookie.split(';')[0]).join('; ')
}

/** Logs `username` in through Coatcheck; resolves with the headers of the SPA's calls. */
export async function logInOverHttp(
  urls: DemoUrls,
  credentials: { username: string; password: string },
): Promise<Record<string, string>> {
  const login = await get(
    `${urls.coatcheck}/auth/login?returnTo=${encodeURIComponent(`${urls.spa}/`)}`,
  )
  if (login.status !== 302) throw new Error(`login answered ${login.status}`)
  const callbackUrl = await signIn(String(login.headers.location), credentials)
  const callback = await get(callbackUrl, { cookie: cookiesFrom(login) })
  if (callback.headers.location !== `${urls.spa}/`) throw new Error('the callback failed')
  return { cookie: cookiesFrom(callback), 'x-csrf': '1', origin: urls.spa }
}
