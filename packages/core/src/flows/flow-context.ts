import type { CoatcheckConfig } from '../config/parse-config.ts'
import type { RequestGuard } from '../http/request-guard.ts'
import type { IdentityProvider } from '../oidc/identity-provider.ts'
import type { SessionPersistence } from '../session/session-persistence.ts'
import type { LoginTransactions } from './login-transaction.ts'
import type { LogoutTransactions } from './logout-transaction.ts'
import type { TokenManager } from '../tokens/token-manager.ts'
import type { ClientTokens } from '../tokens/client-tokens.ts'
import type { EventSink } from '../events/coatcheck-event.ts'
import type { DpopSigner } from '../tokens/dpop.ts'
import type { SessionDirectory } from '../session/session-directory.ts'
import type { SessionEndedBus } from '../session/session-ended-bus.ts'
import type { EventStreams } from './event-streams.ts'
import type { LogoutTokenVerifier } from './logout-token.ts'

/** Everything a flow needs, built once by `createCoatcheck`. */
export interface FlowContext {
  readonly config: CoatcheckConfig
  readonly idp: IdentityProvider
  readonly sessions: SessionPersistence
  readonly loginTransactions: LoginTransactions
  readonly logoutTransactions: LogoutTransactions
  readonly guard: RequestGuard
  readonly tokens: TokenManager
  readonly clientTokens: ClientTokens
  readonly onEvent: EventSink
  /** Coatcheck's DPoP key, made on first use. */
  readonly dpop: () => Promise<DpopSigner>
  /** Epoch milliseconds; injected so tests control time. */
  readonly now: () => number
  /** Announces ended sessions to every instance. */
  readonly sessionEnded: SessionEndedBus
  /** Sessions by user or OP session: back-channel logout, session control, operator API. */
  readonly directory: SessionDirectory
  /** The open `/events` streams of this instance. */
  readonly eventStreams: EventStreams
  readonly verifyLogoutToken: LogoutTokenVerifier
}

/** Headers every auth response carries: never cached (C-13), never leaks its URL (L-18). */
export function noStoreHeaders(init?: HeadersInit): Headers {
  const headers = new Headers(init)
  headers.set('cache-control', 'no-store')
  headers.set('referrer-policy', 'no-referrer')
  return headers
}

/** A redirect that carries the jar's cookies. 303 so the browser always follows with GET. */
export function redirect(location: string, headers: Headers, status: 302 | 303 = 303): Response {
  headers.set('location', location)
  return new Response(null, { status, headers })
}

/** A JSON response, never cached. */
export function json(body: unknown, headers: Headers = noStoreHeaders(), status = 200): Response {
  headers.set('content-type', 'application/json; charset=utf-8')
  return new Response(JSON.stringify(body), { status, headers })
}
