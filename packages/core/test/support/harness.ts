// Integration harness: the real dev IdP over HTTP on 127.0.0.1, Coatcheck in-process, and a
// small "browser" that keeps cookies and sends the headers a real browser would.
import { randomBytes } from 'node:crypto'
import { appendFileSync } from 'node:fs'
import { relative } from 'node:path'
import {
  createIdpBrowserSession,
  recordForSweep,
  signIn,
  signOut,
  startDevIdp,
  type DevIdp,
  type DevIdpOptions,
} from '@coatcheck/dev-idp'
import {
  buildClientRegistration,
  createCoatcheck,
  type Coatcheck,
  type CoatcheckEvent,
  type CoatcheckOptions,
} from '../../src/index.ts'

export const PUBLIC_URL = 'https://bff.example.test'
export const SPA_URL = 'https://app.example.test/'
export const SPA_ORIGIN = 'https://app.example.test'
export const API_AUDIENCE = 'https://api.example.test'
export const CLIENT_ID = 'coatcheck-test'
export const CLIENT_SECRET = 'test-secret-0123456789'

export interface Harness {
  idp: DevIdp
  coatcheck: Coatcheck
  keys: string[]
  browser(): TestBrowser
  close(): Promise<void>
}

export interface HarnessOptions {
  config?: Record<string, unknown>
  idp?: Omit<DevIdpOptions, 'port' | 'host'>
  coatcheck?: CoatcheckOptions
}

export function randomKey(): string {
  return randomBytes(32).toString('base64url')
}

/** Starts the dev IdP with a registered Coatcheck client and a Coatcheck engine for it. */
export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const idp = await startDevIdp({
    port: 0,
    host: '127.0.0.1',
    apis: [{ audience: API_AUDIENCE, scopes: ['demo:read'] }],
    ...options.idp,
  })
  const keys = [randomKey()]
  const coatcheck = createCoatcheck(
    {
      environment: 'development',
      publicUrl: PUBLIC_URL,
      keys,
      idp: {
        issuer: idp.issuer,
        clientId: CLIENT_ID,
        clientSecret: CLIENT_SECRET,
        resource: API_AUDIENCE,
        scopes: ['openid', 'profile', 'email', 'demo:read'],
      },
      spa: { url: SPA_URL },
      ...options.config,
    },
    withSweepLog(options.coatcheck),
  )
  const registration = buildClientRegistration(coatcheck.config)
  // The default public URL is not reachable: without this the IdP would try to deliver
  // logout tokens there on every logout. Tests of back-channel logout pass a listening URL.
  if (coatcheck.config.publicUrl === PUBLIC_URL) delete registration['backchannel_logout_uri']
  await idp.registerClient(registration)
  await coatcheck.ready()
  return {
    idp,
    coatcheck,
    keys,
    browser: () => new TestBrowser(coatcheck),
    async close() {
      await coatcheck.close()
      await idp.close()
    },
  }
}

type FetchMode = 'navigate' | 'cors' | 'no-cors'
type FetchSite = 'same-origin' | 'same-site' | 'cross-site' | 'none'

export interface SendOptions {
  method?: string
  /** Defaults: `cors` + the SPA origin for fetches, `navigate` for navigations. */
  mode?: FetchMode
  site?: FetchSite
  origin?: string | null
  csrf?: boolean
  body?: string
  contentType?: string
  headers?: Record<string, string>
  /** Extra raw cookies to send (e.g. a planted one), after the jar's. */
  cookies?: Record<string, string>
}

/**
 * A browser for Coatcheck's origin: a cookie jar plus realistic Fetch Metadata. It talks to
 * anything with Coatcheck's `handle`: the engine in-process, or a server over HTTP.
 */
export class TestBrowser {
  readonly cookies = new Map<string, string>()
  readonly idpSession = createIdpBrowserSession()
  /** Every response this browser received, for token sweeps. */
  readonly received: { url: string; status: number; headers: [string, string][]; body: string }[] =
    []
  private readonly coatcheck: Pick<Coatcheck, 'handle'>

  constructor(coatcheck: Pick<Coatcheck, 'handle'>) {
    this.coatcheck = coatcheck
  }

  /** A `fetch()` from the SPA (cross-origin, same-site) with credentials and the CSRF header. */
  fetch(path: string, options: SendOptions = {}): Promise<Response> {
    return this.send(path, {
      mode: 'cors',
      site: 'same-site',
      origin: SPA_ORIGIN,
      csrf: true,
      ...options,
    })
  }

  /** A top-level navigation (link, redirect, typed URL). */
  navigate(path: string, options: SendOptions = {}): Promise<Response> {
    return this.send(path, {
      mode: 'navigate',
      site: 'same-site',
      origin: null,
      csrf: false,
      ...options,
    })
  }

  async send(path: string, options: SendOptions): Promise<Response> {
    const url = new URL(path, PUBLIC_URL)
    const headers = new Headers(options.headers)
    if (options.mode) headers.set('sec-fetch-mode', options.mode)
    if (options.site) headers.set('sec-fetch-site', options.site)
    if (options.mode === 'navigate') {
      headers.set('sec-fetch-dest', 'document')
      headers.set('accept', 'text/html,application/xhtml+xml')
    } else if (options.mode) {
      headers.set('sec-fetch-dest', 'empty')
      headers.set('accept', 'application/json')
    }
    if (options.origin) headers.set('origin', options.origin)
    if (options.csrf) headers.set('x-csrf', '1')
    if (options.contentType) headers.set('content-type', options.contentType)
    const cookies = [...this.cookies, ...Object.entries(options.cookies ?? {})]
    if (cookies.length > 0) headers.set('cookie', cookies.map(([k, v]) => `${k}=${v}`).join('; '))
    const response = await this.coatcheck.handle(
      new Request(url, {
        method: options.method ?? 'GET',
        headers,
        ...(options.body === undefined ? {} : { body: options.body }),
      }),
    )
    this.storeCookies(response)
    const body = await response.clone().text()
    this.received.push({
      url: url.href,
      status: response.status,
      headers: [...response.headers],
      body,
    })
    return response
  }

  /** The whole login: `/auth/login` → dev IdP login page → `/auth/callback`. */
  async login(
    credentials = { username: 'alice', password: 'wonderland' },
    loginPath = '/auth/login',
  ): Promise<Response> {
    const start = await this.navigate(loginPath)
    if (start.status !== 302) throw new Error(`login start answered ${start.status}`)
    const callbackUrl = await signIn(
      start.headers.get('location') ?? '',
      credentials,
      this.idpSession,
    )
    return this.navigate(callbackUrl, { site: 'cross-site' })
  }

  /** Follows an end-session URL at the dev IdP and returns the post-logout redirect URL. */
  signOutAtIdp(endSessionUrl: string): Promise<string> {
    return signOut(endSessionUrl, this.idpSession)
  }

  private storeCookies(response: Response) {
    for (const line of response.headers.getSetCookie()) {
      const [pair = ''] = line.split(';')
      const index = pair.indexOf('=')
      const name = pair.slice(0, index)
      const value = pair.slice(index + 1)
      if (/;\s*max-age=0(;|$)/i.test(line)) this.cookies.delete(name)
      else this.cookies.set(name, value)
      recordForSweep('session_cookie', value)
    }
  }
}

/**
 * When the test runner's log sweep is on (`COATCHECK_LOG_FILE`), every event and error the
 * engine reports is appended there as a JSON line, unredacted: what the engine hands its
 * host must hold no secret even before the server's redaction layer.
 */
function withSweepLog(options: CoatcheckOptions = {}): CoatcheckOptions {
  const file = process.env['COATCHECK_LOG_FILE']
  if (!file) return options
  const entry = relative(process.cwd(), process.argv[1] ?? '')
  const write = (line: object) => appendFileSync(file, `${JSON.stringify({ entry, ...line })}\n`)
  return {
    ...options,
    onEvent(event: CoatcheckEvent) {
      write({ event })
      options.onEvent?.(event)
    },
    onError(error: unknown, request: Request) {
      write({ err: describeError(error) })
      options.onError?.(error, request)
    },
  }
}

function describeError(error: unknown, depth = 0): unknown {
  if (error === undefined) return undefined
  if (!(error instanceof Error) || depth > 4) return String(error)
  const { code } = error as { code?: unknown }
  return { message: error.message, code, cause: describeError(error.cause, depth + 1) }
}

/** Every Set-Cookie line of a response, keyed by cookie name. */
export function setCookies(response: Response): Map<string, string> {
  return new Map(response.headers.getSetCookie().map((line) => [line.split('=')[0] ?? '', line]))
}
