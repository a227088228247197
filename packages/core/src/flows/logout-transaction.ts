import type { CookieJar } from '../http/cookies.ts'
import type { Sealer } from '../crypto/sealer.ts'
import { timingSafeEqual } from '../crypto/timing-safe-equal.ts'

/** What RP-initiated logout remembers until the IdP sends the browser back (O-03, O-05). */
export interface LogoutTransaction {
  readonly state: string
  readonly returnTo: string
  /** Epoch milliseconds. */
  readonly createdAt: number
}

const LOGOUT_TRANSACTION_TTL_SECONDS = 600

/** Stores the pending logout in one sealed, short-lived cookie per browser. */
export interface LogoutTransactions {
  save(transaction: LogoutTransaction, jar: CookieJar): Promise<void>
  /** The pending logout for `state`, always expiring its cookie; `undefined` when none matches. */
  take(state: string, jar: CookieJar): Promise<LogoutTransaction | undefined>
}

/** Creates the logout-transaction cookie codec: `<session cookie name>-logout`. */
export function createLogoutTransactions(options: {
  sealer: Sealer
  cookieName: string
  now: () => number
}): LogoutTransactions {
  const name = `${options.cookieName}-logout`
  // Lax: the IdP's redirect back is a cross-site top-level navigation (C-06).
  const attributes = { sameSite: 'Lax', httpOnly: true, secure: true, path: '/' } as const
  return {
    async save(transaction, jar) {
      jar.set(name, await options.sealer.sealJson(transaction, name), {
        ...attributes,
        maxAge: LOGOUT_TRANSACTION_TTL_SECONDS,
      })
    },
    async take(state, jar) {
      const sealed = jar.get(name)
      if (sealed === undefined) return undefined
      jar.expire(name, attributes)
      const opened = await options.sealer.openJson<LogoutTransaction>(sealed, name)
      if (!opened) return undefined
      const { value } = opened
      const fresh = options.now() - value.createdAt < LOGOUT_TRANSACTION_TTL_SECONDS * 1000
      return fresh && timingSafeEqual(value.state, state) ? value : undefined
    },
  }
}
