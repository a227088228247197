import type { CookieJar } from '../http/cookies.ts'
import type { Sealer } from '../crypto/sealer.ts'
import { timingSafeEqual } from '../crypto/timing-safe-equal.ts'

/**
 * What a login needs to remember between `/login` and `/callback`: transaction-specific
 * values bound to the browser that started it (L-04), sealed in a short-lived cookie.
 */
export interface LoginTransaction {
  readonly state: string
  readonly codeVerifier: string
  readonly nonce: string
  readonly issuer: string
  readonly returnTo: string
  /** Epoch milliseconds. */
  readonly createdAt: number
}

/** Transactions older than this are refused; codes live far shorter at any IdP (L-06). */
export const LOGIN_TRANSACTION_TTL_SECONDS = 600

/**
 * At most this many logins may be in flight in one browser (several tabs). One more evicts
 * the oldest, so the cookies stay far below the browser's header limits.
 */
const MAX_PARALLEL_LOGINS = 4

/** Characters of the state that name its cookie, so parallel logins never overwrite each other. */
const KEY_LENGTH = 12

/**
 * Stores and finds login transactions, one cookie per transaction:
 * `<session cookie name>-tx-<first 12 chars of state>`.
 */
export interface LoginTransactions {
  /** Seals `transaction` into its cookie, evicting the oldest when too many are open. */
  save(transaction: LoginTransaction, jar: CookieJar): Promise<void>
  /**
   * The transaction this browser started for `state`, always expiring its cookie (single
   * use, L-06). `undefined` when the browser has none, it was tampered with, it expired, or
   * its state differs (L-05).
   */
  take(state: string, jar: CookieJar): Promise<LoginTransaction | undefined>
}

/** Creates the login-transaction cookie codec. */
export function createLoginTransactions(options: {
  sealer: Sealer
  cookieName: string
  now: () => number
}): LoginTransactions {
  const { sealer, now } = options
  const prefix = `${options.cookieName}-tx-`
  // Lax, not Strict: the IdP's redirect back is a cross-site top-level navigation, on which
  // a Strict cookie is withheld and every login would fail (C-06).
  const attributes = { sameSite: 'Lax', httpOnly: true, secure: true, path: '/' } as const

  const cookieNameOf = (state: string) => prefix + state.slice(0, KEY_LENGTH)
  const isFresh = (tx: LoginTransaction) =>
    now() - tx.createdAt < LOGIN_TRANSACTION_TTL_SECONDS * 1000 && tx.createdAt <= now() + 60_000

  async function open(name: string, jar: CookieJar): Promise<LoginTransaction | undefined> {
    const sealed = jar.get(name)
    if (sealed === undefined) return undefined
    // The cookie name is the sealing context: a value sealed as one transaction cannot be
    // replayed under another transaction's (or the session's) cookie name.
    const opened = await sealer.openJson<LoginTransaction>(sealed, name)
    return opened && isFresh(opened.value) ? opened.value : undefined
  }

  return {
    async save(transaction, jar) {
      const others = jar.names().filter((name) => name.startsWith(prefix))
      const open_ = await Promise.all(
        others.map(async (name) => ({ name, tx: await open(name, jar) })),
      )
      const live = open_.filter((entry) => entry.tx !== undefined)
      live.sort((a, b) => (b.tx?.createdAt ?? 0) - (a.tx?.createdAt ?? 0))
      const keep = new Set(live.slice(0, MAX_PARALLEL_LOGINS - 1).map((entry) => entry.name))
      for (const name of others) if (!keep.has(name)) jar.expire(name, attributes)

      const name = cookieNameOf(transaction.state)
      jar.set(name, await sealer.sealJson(transaction, name), {
        ...attributes,
        maxAge: LOGIN_TRANSACTION_TTL_SECONDS,
      })
    },

    async take(state, jar) {
      if (state.length < KEY_LENGTH) return undefined
      const name = cookieNameOf(state)
      if (jar.get(name) === undefined) return undefined
      jar.expire(name, attributes)
      const transaction = await open(name, jar)
      return transaction && timingSafeEqual(transaction.state, state) ? transaction : undefined
    },
  }
}
