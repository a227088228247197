import type { Session } from '@coatcheck/core'

/** Bound on the sessions held; the ones read longest ago go first. */
const MAX_SESSIONS = 20_000

/**
 * The sessions this process read from the file, kept while no other connection has
 * committed to it. Reading a session from SQLite (a read transaction, the row, a new string
 * of its sealed text) costs several times more than asking SQLite whether anyone else wrote
 * (`PRAGMA data_version`, which changes exactly when another connection commits): while it
 * has not changed, the row is still what this process last read or wrote.
 *
 * This process's own writes go through the store, which forgets the session it writes
 * before writing, so the next read takes it from the file. Any other connection's commit
 * (another process, another store on the same file) forgets everything at the first read of
 * a later turn of the event loop, or at once after this process writes or takes a lock.
 * Values are the deep-frozen ones the sealer opened, shared and never mutated.
 */
export function createReadSessions() {
  const sessions = new Map<string, { session: Session; expiresAt: number }>()
  let trustedConnection: object | undefined
  let trustedVersion: unknown
  // Counts forgetting. A read that started before a write (its row opened while the write
  // went on) must not put back what the write made stale.
  let generation = 0
  const clear = () => {
    sessions.clear()
    generation++
  }

  return {
    /**
     * Call before every read with the connection in use and its `PRAGMA data_version`: another
     * connection (the file was reopened) or another version forgets every session held.
     */
    check(connection: object, dataVersion: unknown): void {
      if (connection === trustedConnection && dataVersion === trustedVersion) return
      clear()
      trustedConnection = connection
      trustedVersion = dataVersion
    },
    /** Taken before reading a row; {@link remember} needs it. */
    generation: () => generation,
    /** The held copy of session `id` while it is live at `now`. */
    get(id: string, now: number): Session | undefined {
      const held = sessions.get(id)
      return held && held.expiresAt > now ? held.session : undefined
    },
    /** Holds what a read found, unless something was forgotten since `readAt` began. */
    remember(id: string, session: Session, expiresAt: number, readAt: number): void {
      if (readAt !== generation) return
      sessions.set(id, { session, expiresAt })
      if (sessions.size > MAX_SESSIONS) {
        const oldest = sessions.keys().next()
        if (!oldest.done) sessions.delete(oldest.value)
      }
    },
    forget(id: string): void {
      sessions.delete(id)
      generation++
    },
    forgetAll: clear,
  }
}
