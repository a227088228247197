import * as client from 'openid-client'
import type { CoatcheckConfig } from '../config/parse-config.ts'
import { CoatcheckError } from '../errors/coatcheck-error.ts'
import type { EventSink } from '../events/coatcheck-event.ts'
import type { IdentityProvider } from '../oidc/identity-provider.ts'
import type { SessionPersistence } from '../session/session-persistence.ts'
import type { AccessToken, Session } from '../session/session.ts'
import { primaryResource } from '../config/primary-resource.ts'
import { applyRefresh, currentToken } from './refreshed-session.ts'
import type { DpopSigner } from './dpop.ts'

/** Which access token a route needs. */
export interface TokenRequest {
  /** Audience (RFC 8707); `undefined` for the login's own. */
  resource?: string | undefined
  scopes?: readonly string[] | undefined
  /** A DPoP-bound token (RFC 9449): refreshed with a proof of Coatcheck's key. */
  dpop?: boolean | undefined
  /**
   * The token an upstream just refused as `invalid_token`: refresh even though it looks
   * fresh, unless the session already holds a different one (P-11).
   */
  rejected?: string | undefined
}

/** Keeps access tokens fresh: refresh ahead of expiry, once per session. */
export interface TokenManager {
  /**
   * A usable access token of the user's session for `request`, and the session state it
   * came from (newer than the one passed in when a refresh happened).
   *
   * @throws CoatcheckError `unauthenticated` when the session cannot get one any more
   *   (refresh token refused: R-02); the caller ends the session in its response.
   */
  userToken(
    session: Session,
    request: TokenRequest,
  ): Promise<{ session: Session; token: AccessToken }>
  /**
   * The session's token for `request` when it is usable as it is, without a refresh: what
   * `userToken` answers first, synchronously. `undefined` when `userToken` has work to do.
   */
  usableToken(session: Session, request: TokenRequest): AccessToken | undefined
}

const POLL_MS = 25

/**
 * Creates the token manager. Refreshes are single-flight per session: in this process a
 * promise per session id that every waiter shares; across instances a store lease, then a
 * re-read, so a request that arrives after someone else's refresh uses its result instead
 * of redeeming the consumed refresh token again; then a compare-and-set write of the
 * rotated tokens before anyone uses them.
 *
 * @see https://www.rfc-editor.org/rfc/rfc9700#section-4.14.2
 */
export function createTokenManager(options: {
  config: CoatcheckConfig
  idp: IdentityProvider
  sessions: SessionPersistence
  now: () => number
  onEvent: EventSink
  dpop: () => Promise<DpopSigner>
  /** Told of every refresh written, for the session's `session-refreshed` events. */
  onRefreshed?: (session: Session) => void
  /** Told when the IdP refused the refresh token: that session is over. */
  onRefreshRefused?: (session: Session) => void
}): TokenManager {
  const { config, idp, sessions, now, onEvent } = options
  const inflight = new Map<string, Promise<Session>>()
  const skew = config.tokens.refreshSkewSeconds
  const lease = config.tokens.refreshLeaseMs

  const usableToken = (session: Session, request: TokenRequest): AccessToken | undefined => {
    const token = currentToken(session, request, config)
    if (!token) return undefined
    if (request.rejected !== undefined && token.value === request.rejected) return undefined
    const fresh = token.expiresAt === undefined || token.expiresAt - skew > now() / 1000
    return fresh ? token : undefined
  }
  const isUsable = (session: Session, request: TokenRequest): boolean =>
    usableToken(session, request) !== undefined

  async function refreshWithLease(seen: Session, request: TokenRequest): Promise<Session> {
    const deadline = now() + 2 * lease
    for (;;) {
      const lock = await sessions.lock(`refresh:${seen.id}`, lease)
      if (lock) {
        try {
          return await refreshHoldingLease(seen, request)
        } finally {
          await lock.release().catch(() => {})
        }
      }
      // Another instance is refreshing this session: wait for its result.
      await new Promise((resolve) => setTimeout(resolve, POLL_MS))
      const current = await sessions.reload(seen)
      if (!current) throw sessionEnded('The session ended while its tokens were refreshed.')
      if (current.version > seen.version) {
        seen = current
        if (isUsable(current, request)) {
          onEvent({ type: 'refresh', outcome: 'coalesced' })
          return current
        }
      }
      if (now() > deadline) {
        throw new CoatcheckError('idp_unavailable', {
          message: 'The token refresh did not finish.',
        })
      }
    }
  }

  async function refreshHoldingLease(seen: Session, request: TokenRequest): Promise<Session> {
    // Re-read under the lease: whoever held it before may have refreshed already, and only
    // the newest refresh token is still valid.
    const current = await sessions.reload(seen)
    if (!current) throw sessionEnded('The session ended while its tokens were refreshed.')
    if (current.version > seen.version && isUsable(current, request)) {
      onEvent({ type: 'refresh', outcome: 'coalesced' })
      return current
    }
    const refreshToken = current.tokens.refreshToken
    if (!refreshToken) throw sessionEnded('The access token expired and there is no refresh token.')

    const response = await redeem(refreshToken, request, current)
    const next = applyRefresh(current, response, request, config, now())
    // Persist before anyone uses the new tokens. Under the lease this only fails when
    // the lease ran out and another refresh won; then its result is the one to use.
    if (!(await sessions.replace(next, current.version))) {
      const latest = await sessions.reload(current)
      if (latest && isUsable(latest, request)) return latest
      throw new CoatcheckError('store_unavailable', {
        message: 'The refreshed session could not be saved.',
      })
    }
    onEvent({ type: 'refresh', outcome: 'ok' })
    options.onRefreshed?.(next)
    return next
  }

  async function redeem(refreshToken: string, request: TokenRequest, session: Session) {
    const discovered = await idp.configuration()
    const parameters: Record<string, string> = {}
    const resource = request.resource ?? primaryResource(config)
    if (resource !== undefined) parameters.resource = resource
    if (request.scopes) parameters.scope = request.scopes.join(' ')
    try {
      if (!request.dpop) return await client.refreshTokenGrant(discovered, refreshToken, parameters)
      const DPoP = (await options.dpop()).handle(discovered)
      const response = await client.refreshTokenGrant(discovered, refreshToken, parameters, {
        DPoP,
      })
      // A bearer token where a bound one was asked for would be sent as if bound: refuse it.
      if (response.token_type.toLowerCase() !== 'dpop') {
        throw new CoatcheckError('idp_unavailable', {
          message:
            'The identity provider issued a bearer token where a DPoP-bound one was required.',
        })
      }
      return response
    } catch (cause) {
      if (cause instanceof client.ResponseBodyError && cause.error === 'invalid_grant') {
        // Expired, revoked, or reuse detected: the session cannot continue.
        onEvent({ type: 'refresh', outcome: 'invalid_grant' })
        options.onRefreshRefused?.(session)
        throw sessionEnded('The identity provider refused the refresh token; log in again.', cause)
      }
      onEvent({ type: 'refresh', outcome: 'failed' })
      if (cause instanceof CoatcheckError) throw cause
      throw new CoatcheckError('idp_unavailable', {
        message: 'The identity provider could not refresh the access token.',
        cause,
      })
    }
  }

  return {
    async userToken(session, request) {
      let current = session
      // A shared refresh may have been for another audience: then refresh again, a bounded
      // number of times.
      for (let round = 0; round < 3; round++) {
        const token = usableToken(current, request)
        if (token) return { session: current, token }
        let pending = inflight.get(current.id)
        if (pending) {
          onEvent({ type: 'refresh', outcome: 'coalesced' })
        } else {
          const id = current.id
          pending = refreshWithLease(current, request).finally(() => inflight.delete(id))
          inflight.set(current.id, pending)
        }
        const refreshed = await pending
        // A refreshed session answers the request that was refused too.
        current = refreshed
        request = { ...request, rejected: undefined }
      }
      throw new CoatcheckError('idp_unavailable', { message: 'No usable access token was issued.' })
    },
    usableToken,
  }
}

function sessionEnded(message: string, cause?: unknown): CoatcheckError {
  return new CoatcheckError('unauthenticated', { message, cause })
}
