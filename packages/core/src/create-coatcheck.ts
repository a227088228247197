import { parseConfig, type CoatcheckConfig } from './config/parse-config.ts'
import { ConfigError } from './config/config-error.ts'
import { CoatcheckError } from './errors/coatcheck-error.ts'
import { toErrorResponse } from './errors/error-response.ts'
import { CookieJar, type SameSite } from './http/cookies.ts'
import { createCors } from './http/cors.ts'
import { createRequestGuard } from './http/request-guard.ts'
import { createSealer } from './crypto/sealer.ts'
import type { AesGcm } from './crypto/aes-gcm.ts'
import { createIdentityProvider } from './oidc/identity-provider.ts'
import { createMemoryStore } from './session/memory-store.ts'
import { createServerSessions } from './session/server-sessions.ts'
import { createStoreCaller } from './session/internal/call-store.ts'
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
import { receiveBackchannelLogout } from './flows/backchannel-logout.ts'
import { streamSessionEvents } from './flows/session-events.ts'
import { endOwnSession, listOwnSessions } from './flows/session-control.ts'
import { endUserSessions, listUserSessions } from './flows/operator-api.ts'
import { createEventStreams } from './flows/event-streams.ts'
import { createLogoutTokenVerifier } from './flows/logout-token.ts'
import { sessionEndsAt } from './flows/active-session.ts'
import { announceSessionsEnded } from './flows/ended-sessions.ts'
import { createSessionEndedBus } from './session/session-ended-bus.ts'
import { createSessionDenylist } from './session/session-denylist.ts'
import {
  createDenylistDirectory,
  createStoreDirectory,
  type SessionDirectory,
} from './session/session-directory.ts'
import { forwardWithFetch } from './proxy/forward.ts'
import { planProxy, type PlanOptions, type ProxyPlan } from './proxy/proxy-plan.ts'
import type { RequestHead } from './http/request-head.ts'
import type { RouteConfig } from './config/schema.ts'
import { matchRoute, requestTarget } from './proxy/route-match.ts'
import { createTokenManager } from './tokens/token-manager.ts'
import { createClientTokens } from './tokens/client-tokens.ts'
import { createDpopSigner, type DpopSigner } from './tokens/dpop.ts'
import type { CoatcheckEvent, EventSink } from './events/coatcheck-event.ts'

/** A running Coatcheck: one function from `Request` to `Response`. */
/** An API call decided by {@link Coatcheck.prepareProxy}, for the host to carry out. */
export interface PreparedProxy {
  readonly plan: ProxyPlan
  /**
   * Headers the browser's response needs besides the upstream's: the session's Set-Cookie
   * (cookie store after a refresh) and the CORS grant. Read it after any retry.
   */
  responseHeaders(): [string, string][]
}

export interface Coatcheck {
  /**
   * Handles any request: auth endpoints, proxied API routes, CORS preflights. Unknown paths
   * get 404 JSON. Never throws: every failure becomes a response.
   */
  handle(request: Request): Promise<Response>
  /**
   * The Node server's fast path for API routes: decides the upstream call for a request
   * head without building a `Request`. `undefined` when no route matches (or for a CORS
   * preflight): use `handle`. A `Response` is an answer to send as it is (a refusal).
   */
  prepareProxy(
    head: RequestHead,
    options: PlanOptions,
  ): Promise<PreparedProxy | Response | undefined>
  /** The 502/504 JSON answer for a failed upstream call of the fast path, with CORS. */
  upstreamFailure(head: RequestHead, route: RouteConfig, timedOut: boolean): Response
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
  /** Receives every {@link CoatcheckEvent} (metrics, logs). Must not throw. */
  onEvent?: EventSink
  /** Time between `: ping` comments on `/events` streams. Default 25 000 ms. */
  eventPingIntervalMs?: number
  /**
   * The AES-256-GCM behind sealed cookies (the cookie store, login state). Default:
   * WebCrypto's; the Node server passes `nodeAesGcm`, several times cheaper per call.
   */
  aesGcm?: AesGcm
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
  checkStoreGiven(config, options)
  const now = options.now ?? Date.now
  const idp = createIdentityProvider(config)
  const cors = createCors({
    allowedOrigins: config.allowedOrigins,
    csrfHeaderName: config.csrf.headerName,
  })
  const emit = safeSink(options.onEvent)
  const contextPromise = createContext(config, options, now, idp, emit)
  // Kept once ready, so that API calls do not await it each time. An early key-import
  // failure must not become an unhandled rejection: handle() reports it.
  let readyContext: FlowContext | undefined
  contextPromise.then(
    (ready) => (readyContext = ready),
    () => {},
  )

  const auth = config.basePath
  /** Path → method → flow. `/sessions/{id}` is matched by its prefix. */
  const endpoints = new Map<string, Record<string, Flow>>([
    [`${auth}/login`, { GET: startLogin }],
    [`${auth}/callback`, { GET: completeLogin }],
    [`${auth}/session`, { GET: getSessionInfo }],
    [`${auth}/logout`, { POST: logout }],
    [`${auth}/logout/callback`, { GET: completeLogout }],
    [`${auth}/backchannel-logout`, { POST: receiveBackchannelLogout }],
    [`${auth}/events`, { GET: streamSessionEvents }],
    [`${auth}/sessions`, { GET: listOwnSessions }],
    [`${auth}/sessions/`, { DELETE: endOwnSession }],
    [`${auth}/operator/sessions`, { GET: listUserSessions, DELETE: endUserSessions }],
  ])
  const endpointOf = (pathname: string) =>
    endpoints.get(pathname) ??
    (/^[A-Za-z0-9_-]{1,64}$/.test(pathname.slice(`${auth}/sessions/`.length)) &&
    pathname.startsWith(`${auth}/sessions/`)
      ? endpoints.get(`${auth}/sessions/`)
      : undefined)

  /** Security events for metrics and logs (G-05): codes only, never request data. */
  function reportRejection(error: unknown) {
    if (
      error instanceof CoatcheckError &&
      (error.code === 'csrf_header_missing' || error.code === 'origin_not_allowed')
    ) {
      emit({ type: 'csrf_rejected', code: error.code })
    }
  }
  function reportOutcome(pathname: string, status: number) {
    if (pathname === `${auth}/callback`)
      emit({ type: 'login', outcome: status < 400 ? 'ok' : 'failed' })
    else if (pathname === `${auth}/logout` && status === 200) emit({ type: 'logout' })
  }

  async function route(request: Request, url: URL, jar: CookieJar): Promise<Response> {
    const context = await contextPromise
    const { pathname } = url
    const endpoint = endpointOf(pathname)
    if (endpoint) {
      const flow = Object.hasOwn(endpoint, request.method) ? endpoint[request.method] : undefined
      if (!flow) {
        throw new CoatcheckError('method_not_allowed', {
          message: `Use ${Object.keys(endpoint).join(' or ')} for ${pathname}.`,
        })
      }
      return flow(request, context, jar)
    }
    const match = matchRoute(url, config.routes)
    if (match) return forwardWithFetch(request, match, context, jar)
    throw new CoatcheckError('not_found')
  }

  return {
    config,
    async handle(request) {
      const preflight = cors.preflight(request)
      if (preflight) return preflight
      const jar = new CookieJar(request.headers.get('cookie'))
      const url = new URL(request.url)
      let response: Response
      try {
        response = await route(request, url, jar)
      } catch (error) {
        response = toErrorResponse(error, request, { homeUrl: config.spa.url })
        if (response.status >= 500) options.onError?.(error, request)
        reportRejection(error)
      }
      reportOutcome(url.pathname, response.status)
      jar.applyTo(response.headers)
      return cors.apply(request, response)
    },
    async prepareProxy(head, planOptions) {
      if (head.method === 'OPTIONS' && head.headers.get('access-control-request-method') !== null) {
        return undefined
      }
      const match = matchRoute(requestTarget(head.url), config.routes)
      if (!match) return undefined
      const jar = new CookieJar(head.headers.get('cookie'))
      try {
        const plan = await planProxy(
          head,
          match,
          readyContext ?? (await contextPromise),
          jar,
          planOptions,
        )
        return {
          plan,
          responseHeaders: () => {
            const headers: [string, string][] = []
            for (const value of jar.setCookieHeaders()) headers.push(['set-cookie', value])
            const grant = cors.grantHeaders(head)
            for (const name in grant) headers.push([name, grant[name] as string])
            return headers
          },
        }
      } catch (error) {
        reportRejection(error)
        const response = toErrorResponse(error, head, { homeUrl: config.spa.url })
        jar.applyTo(response.headers)
        return cors.apply(head, response)
      }
    },
    upstreamFailure(head, route, timedOut) {
      const code = timedOut ? 'upstream_timeout' : 'upstream_unavailable'
      emit({ type: 'upstream_error', route: route.path, code })
      return cors.apply(head, toErrorResponse(new CoatcheckError(code), head))
    },
    async ready() {
      await contextPromise
      await idp.configuration()
    },
    async close() {
      const context = await contextPromise.catch(() => undefined)
      // Open event streams first, so a graceful shutdown does not wait for them.
      context?.eventStreams.close()
      context?.sessionEnded.close()
      await context?.sessions.close()
    },
  }
}

async function createContext(
  config: CoatcheckConfig,
  options: CoatcheckOptions,
  now: () => number,
  idp: FlowContext['idp'],
  onEvent: EventSink,
): Promise<FlowContext> {
  const sealer = await createSealer(config.keys, options.aesGcm ? { aesGcm: options.aesGcm } : {})
  const cookie = {
    name: config.cookie.name,
    sameSite: toSameSite(config.cookie.sameSite),
    ...(config.cookie.domain === undefined ? {} : { domain: config.cookie.domain }),
  }
  const inCookies = config.session.store === 'cookie' && !options.store
  const store = inCookies ? undefined : (options.store ?? createMemoryStore({ now }))
  let sessions: SessionPersistence
  let directory: SessionDirectory
  if (store) {
    sessions = createServerSessions({ store, cookie, now, onEvent })
    directory = createStoreDirectory(store, createStoreCaller(onEvent))
  } else {
    const denylist = createSessionDenylist(config.session.absoluteTimeoutSeconds * 1000, now)
    sessions = createCookieSessions({ sealer, cookie, now, denylist, onEvent })
    directory = createDenylistDirectory(denylist, now)
  }
  const sessionEnded = createSessionEndedBus(store)
  const eventStreams = createEventStreams({
    bus: sessionEnded,
    // A sealed cookie's last-seen time moves with each response the browser gets, which
    // the stream cannot see: only the absolute expiry is certain there.
    endsAt: inCookies
      ? (session) => session.expiresAt
      : (session) => sessionEndsAt(session, { config }),
    now,
    ...(options.eventPingIntervalMs === undefined
      ? {}
      : { pingIntervalMs: options.eventPingIntervalMs }),
  })
  let signer: Promise<DpopSigner> | undefined
  const dpop = () => (signer ??= createDpopSigner(config.dpop.privateKey))
  return {
    config,
    idp,
    sessions,
    dpop,
    sessionEnded,
    directory,
    eventStreams,
    verifyLogoutToken: createLogoutTokenVerifier({ idp, clientId: config.idp.clientId, now }),
    tokens: createTokenManager({
      config,
      idp,
      sessions,
      now,
      onEvent,
      dpop,
      onRefreshed: (session) => eventStreams.refreshed(session),
      onRefreshRefused: (session) =>
        void announceSessionsEnded({ onEvent, sessionEnded }, [session.id], 'refresh_failed'),
    }),
    clientTokens: createClientTokens({ idp, skewSeconds: config.tokens.refreshSkewSeconds, now }),
    onEvent,
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

/** `sqlite` and `redis` live in their own packages: the host builds the store and passes it. */
function checkStoreGiven(config: CoatcheckConfig, options: CoatcheckOptions): void {
  const { store } = config.session
  if ((store === 'sqlite' || store === 'redis') && !options.store) {
    throw new ConfigError([
      {
        path: 'session.store',
        message: `is \`${store}\`, whose store this function cannot create; run @coatcheck/server (it builds it from the configuration) or pass \`options.store\``,
      },
    ])
  }
}

function safeSink(sink: EventSink | undefined): EventSink {
  return (event: CoatcheckEvent) => {
    try {
      sink?.(event)
    } catch {
      // Metrics and logs must never break a request.
    }
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
