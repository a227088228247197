// The real gateway for integration tests: the dev IdP over HTTP on localhost:0 and
// `startServer` on 127.0.0.1:0, plus a login without a browser.
import type { Cleanup } from './cleanup.ts'
import { buildClientRegistration, parseConfig } from '@coatcheck/core'
import { signIn, startDevIdp, type DevIdp, type DevIdpTtl } from '@coatcheck/dev-idp'
import {
  startServer,
  type ListenAddress,
  type Logger,
  type ServerTimeouts,
  type StartServerResult,
} from '../../src/index.ts'
import { cookiesFrom, get } from './http-client.ts'

export const SPA_URL = 'http://localhost:5173/'
export const SPA_ORIGIN = 'http://localhost:5173'
export const CLIENT_ID = 'server-test'
const CLIENT_SECRET = 'server-test-secret'

/** A running gateway and its identity provider. */
export interface Gateway {
  /** Where the gateway listens, e.g. `http://127.0.0.1:41234`. */
  readonly url: string
  readonly port: number
  readonly idp: DevIdp
  readonly server: StartServerResult
  /** Logs alice in and returns the session's `Cookie` header. */
  login(): Promise<string>
  /** The headers the SPA's `fetch()` sends: Origin, the anti-CSRF header, the cookie. */
  apiHeaders(cookie?: string): Record<string, string>
}

/** Options of {@link startGateway}. */
export interface GatewayOptions {
  routes?: Record<string, unknown>[]
  session?: Record<string, unknown>
  idpTtl?: DevIdpTtl
  /** More configuration (`tokens`, `metrics`, …). */
  config?: Record<string, unknown>
  /** Default: the file of the test run's log sweep, when it is on. */
  logger?: Logger
  /** The server's keep-alive and header timeouts. */
  timeouts?: ServerTimeouts
}

/** Starts the dev IdP on localhost:0. */
export async function startIdp(t: Cleanup, ttl?: DevIdpTtl): Promise<DevIdp> {
  const idp = await startDevIdp({ host: 'localhost', ...(ttl ? { ttl } : {}) })
  t.after(() => idp.close())
  return idp
}

/** A configuration for `address` whose client is registered at `idp`. */
export async function configFor(
  idp: DevIdp,
  address: ListenAddress,
  extra: Record<string, unknown> = {},
) {
  const publicUrl = `http://localhost:${address.port}`
  const config = {
    environment: 'development',
    publicUrl,
    keys: ['k'.repeat(43)],
    idp: { issuer: idp.issuer, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET },
    spa: { url: SPA_URL },
    ...extra,
  }
  await idp.registerClient(buildClientRegistration(parseConfig(config)))
  return config
}

/** Starts the dev IdP and the gateway with `routes`; both close when the test ends. */
export async function startGateway(t: Cleanup, options: GatewayOptions = {}): Promise<Gateway> {
  const idp = await startIdp(t, options.idpTtl)
  const extra = {
    routes: options.routes ?? [],
    ...(options.session ? { session: options.session } : {}),
    ...options.config,
  }
  const server = await startServer({
    port: 0,
    config: (address: ListenAddress) => configFor(idp, address, extra),
    // Upstream failures are part of several tests; keep the output readable.
    onError: () => {},
    ...(options.logger ? { logger: options.logger } : {}),
    ...(options.timeouts ? { timeouts: options.timeouts } : {}),
  })
  t.after(() => server.close())
  const url = server.url
  return {
    url,
    port: server.port,
    idp,
    server,
    login: () => login(url),
    apiHeaders: (cookie) => ({
      origin: SPA_ORIGIN,
      'x-csrf': '1',
      ...(cookie === undefined ? {} : { cookie }),
    }),
  }
}

/** The whole login over HTTP: `/auth/login` → the dev IdP's form → `/auth/callback`. */
export async function login(base: string): Promise<string> {
  const start = await get(`${base}/auth/login?returnTo=%2F`)
  if (start.status !== 302) throw new Error(`login start answered ${start.status}`)
  const callbackUrl = new URL(
    await signIn(String(start.headers.location), { username: 'alice', password: 'wonderland' }),
  )
  const callback = await get(`${base}${callbackUrl.pathname}${callbackUrl.search}`, {
    cookie: cookiesFrom(start),
  })
  if (callback.status !== 302 && callback.status !== 303) {
    throw new Error(`login callback answered ${callback.status}`)
  }
  return cookiesFrom(callback)
}
