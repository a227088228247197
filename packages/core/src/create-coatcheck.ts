import { parseConfig, type CoatcheckConfig } from './config/parse-config.ts'
import { CoatcheckError } from './errors/coatcheck-error.ts'
import { toErrorResponse } from './errors/error-response.ts'
import { CookieJar, type SameSite } from './http/cookies.ts'
import { createCors } from './http/cors.ts'
import { createRequestGuard } from './http/request-guard.ts'
import { createSealer } from './crypto/sealer.ts'
import { createIdentityProvider } from './oidc/identity-provider.ts'
import { createMemoryStore } from './session/memory-store.ts'
import { createServerSessions } from './session/server-sessions.ts'
import { createCookieSessions } from './session/cookie-sessions.ts'
import type { SessionPersistence } from './session/session-persistence.ts'
import type { SessionStore } from './session/session-store.ts'
import { createLoginTransactions } from './flows/login-transaction.ts'
import { createLogoutTransactions } from './flows/logout-transaction.ts'
import type { FlowContext } from './flows/flow-context.ts'
import { startLogin } from './flows/login.ts'
import { completeLogin } from './flows/callback.ts'
import { getSessionInfo } from './flows/session-info.ts'
import { completeLogout, logout } from './flows/logout.ts'
import { forwardToUpstream, matchRoute } from './proxy/forward.ts'

/** A running Coatcheck: one function from `Request` to `Response`. */
export interface Coatcheck {
  /**
   * Handles any request: auth endpoints, proxied API routes, CORS preflights. Unknown paths
   * get 404 JSON. Never throws: every failure becomes a response.
   */
  handle(request: Request): Promise<Response>
  /** Resolves once keys are imported and the IdP metadata is discovered. */
  ready(): Promise<void>
  /** Releases timers and store connections. */
  close(): Promise<void>
  readonly config: CoatcheckConfig
}

/** Options that are code, not configuration. */
export interface CoatcheckOptions {
  /** A server-side session store to use instead of the one `session.store` names. */
  store?: SessionStore
  /** Epoch milliseconds; tests inject a clock. */
  now?: () => number
  /** Called with every error that became a 5xx response, for logs. */
  onError?: (error: unknown, request: Request) => void
}

type Flow = (request: Request, context: FlowContext, jar: CookieJar) => Promise<Response>

/**
 * Creates the Web-standard engine from a configuration object (validated here when it was
 * not parsed yet).
 */
export function createCoatcheck(
  input: CoatcheckConfig | unknown,
  options: CoatcheckOptions = {},
): Coatcheck {
  const config = isParsed(input) ? input : parseConfig(input)
  const now = options.now ?? Date.now
  const idp = createIdentityProvider(config)
  const cors = createCors({
    allowedOrigins: config.allowedOrigins,
    csrfHeaderName: config.csrf.headerName,
  })
  const contextPromise = createContext(config, options, now, idp)
  // Keep an early key-import failure from becoming an unhandled rejection; handle() reports it.
  contextPromise.catch(() => {})

  const auth = config.basePath
  const endpoints = new Map<string, { method: string; flow: Flow }>([
    [`${auth}/login`, { method: 'GET', flow: startLogin }],
    [`${auth}/callback`, { method: 'GET', flow: completeLogin }],
    [`${auth}/session`, { method: 'GET', flow: getSessionInfo }],
    [`${auth}/logout`, { method: 'POST', flow: logout }],
    [`${auth}/logout/callback`, { method: 'GET', flow: completeLogout }],
  ])

  async function route(request: Request, jar: CookieJar): Promise<Response> {
    const context = await contextPromise
    const { pathname } = new URL(request.url)
    const endpoint = endpoints.get(pathname)
    if (endpoint) {
      if (request.method !== endpoint.method) {
        throw new CoatcheckError('method_not_allowed', {
          message: `Use ${endpoint.method} for ${pathname}.`,
        })
      }
      return endpoint.flow(request, context, jar)
    }
    const match = matchRoute(pathname, config.routes)
    if (match) return forwardToUpstream(request, match, context, jar)
    throw new CoatcheckError('not_found')
  }

  return {
    config,
    async handle(request) {
      const preflight = cors.preflight(request)
      if (preflight) return preflight
      const jar = new CookieJar(request.headers.get('cookie'))
      let response: Response
      try {
        response = await route(request, jar)
      } catch (error) {
        response = toErrorResponse(error, request, { homeUrl: config.spa.url })
        if (response.status >= 500) options.onError?.(error, request)
      }
      jar.applyTo(response.headers)
      return cors.apply(request, response)
    },
    async ready() {
      await contextPromise
      await idp.configuration()
    },
    async close() {
      const context = await contextPromise.catch(() => undefined)
      await context?.sessions.close()
    },
  }
}

async function createContext(
  config: CoatcheckConfig,
  options: CoatcheckOptions,
  now: () => number,
  idp: FlowContext['idp'],
): Promise<FlowContext> {
  const sealer = await createSealer(config.keys)
  const cookie = {
    name: config.cookie.name,
    sameSite: toSameSite(config.cookie.sameSite),
    ...(config.cookie.domain === undefined ? {} : { domain: config.cookie.domain }),
  }
  const sessions: SessionPersistence =
    config.session.store === 'cookie' && !options.store
      ? createCookieSessions({ sealer, cookie, now })
      : createServerSessions({ store: options.store ?? createMemoryStore({ now }), cookie, now })
  return {
    config,
    idp,
    sessions,
    loginTransactions: createLoginTransactions({ sealer, cookieName: config.cookie.name, now }),
    logoutTransactions: createLogoutTransactions({ sealer, cookieName: config.cookie.name, now }),
    guard: createRequestGuard({
      publicOrigin: config.publicOrigin,
      allowedOrigins: config.allowedOrigins,
      csrfHeaderName: config.csrf.headerName,
      csrfHeaderValue: config.csrf.headerValue,
    }),
    now,
  }
}

function toSameSite(value: 'strict' | 'lax' | 'none'): SameSite {
  return value === 'strict' ? 'Strict' : value === 'lax' ? 'Lax' : 'None'
}

function isParsed(input: unknown): input is CoatcheckConfig {
  return (
    typeof input === 'object' && input !== null && 'redirectUri' in input && Object.isFrozen(input)
  )
}
