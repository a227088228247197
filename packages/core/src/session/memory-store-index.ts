import type { Session } from './session.ts'

/**
 * The `(issuer, sid)` and `(issuer, sub)` lookups of the memory store: sets of session ids
 * under each pair. The store adds a session's entries when it writes the session and
 * removes them whenever the session goes (replace, delete, expiry), so a lookup never
 * returns an id the store no longer holds.
 */
export interface MemoryStoreIndex {
  add(session: Session): void
  remove(session: Session): void
  /** Ids under the pair; a copy, so callers may remove sessions while iterating. */
  bySid(issuer: string, sid: string): string[]
  bySub(issuer: string, sub: string): string[]
  clear(): void
}

/** Creates an empty {@link MemoryStoreIndex}. */
export function createMemoryStoreIndex(): MemoryStoreIndex {
  const sids = new Map<string, Set<string>>()
  const subs = new Map<string, Set<string>>()

  return {
    add(session) {
      if (session.sid !== undefined) insert(sids, pairKey(session.issuer, session.sid), session.id)
      insert(subs, pairKey(session.issuer, session.sub), session.id)
    },
    remove(session) {
      if (session.sid !== undefined) erase(sids, pairKey(session.issuer, session.sid), session.id)
      erase(subs, pairKey(session.issuer, session.sub), session.id)
    },
    bySid: (issuer, sid) => [...(sids.get(pairKey(issuer, sid)) ?? [])],
    bySub: (issuer, sub) => [...(subs.get(pairKey(issuer, sub)) ?? [])],
    clear() {
      sids.clear()
      subs.clear()
    },
  }
}

/**
 * A collision-free key for a pair: with a plain separator, issuer `a|b` + sub `c` and issuer
 * `a` + sub `b|c` would share an entry and one user's logout could end another's sessions.
 */
function pairKey(issuer: string, value: string): string {
  return JSON.stringify([issuer, value])
}

function insert(map: Map<string, Set<string>>, key: string, id: string): void {
  const ids = map.get(key)
  if (ids) ids.add(id)
  else map.set(key, new Set([id]))
}

function erase(map: Map<string, Set<string>>, key: string, id: string): void {
  const ids = map.get(key)
  if (!ids) return
  ids.delete(id)
  if (ids.size === 0) map.delete(key)
}
