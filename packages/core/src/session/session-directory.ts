import type { StoreCaller } from './internal/call-store.ts'
import type { Session } from './session.ts'
import type { SessionDenylist } from './session-denylist.ts'
import type { SessionFilter, SessionStore } from './session-store.ts'

/**
 * Finds and ends sessions by user or OP session rather than by cookie: back-channel logout,
 * session control and the operator API. Store failures surface as `store_unavailable`.
 */
export interface SessionDirectory {
  /** The user's live sessions; always empty for the cookie store, which keeps none. */
  listBy(issuer: string, sub: string): Promise<Session[]>
  /** Ends every session matching `filter`; the ids ended (none known for the cookie store). */
  endBy(filter: SessionFilter): Promise<string[]>
  /** Ends one session by id. */
  end(id: string): Promise<void>
}

/** A directory over a server-side store: its indexes by `(issuer, sid)` and `(issuer, sub)`. */
export function createStoreDirectory(
  store: SessionStore,
  callStore: StoreCaller,
): SessionDirectory {
  return {
    listBy: (issuer, sub) => callStore(() => store.listBy({ issuer, sub })),
    endBy: (filter) => callStore(() => store.deleteBy(filter)),
    end: (id) => callStore(() => store.delete(id)),
  }
}

/**
 * A directory for the cookie store: nothing to list or delete on the server, so ending
 * puts the user or OP session on the denylist that every cookie load consults (C-15).
 */
export function createDenylistDirectory(
  denylist: SessionDenylist,
  now: () => number,
): SessionDirectory {
  return {
    listBy: async () => [],
    async endBy(filter) {
      denylist.add(filter, now())
      return []
    },
    end: async () => {},
  }
}
