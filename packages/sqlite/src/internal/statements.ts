import type { DatabaseSync, StatementSync } from 'node:sqlite'

/** Every statement of the store, prepared once. Parameters are named (`:id`). */
export interface Statements {
  getSession: StatementSync
  /** Changes exactly when another connection commits to the file. */
  dataVersion: StatementSync
  listSessionsBySub: StatementSync
  /** Live sessions, counted on the `expires_at` index. */
  countSessions: StatementSync
  upsertSession: StatementSync
  /** A compare-and-set: changes 0 rows when the version moved on or the row expired. */
  updateSession: StatementSync
  deleteSession: StatementSync
  deleteSessionsBySid: StatementSync
  deleteSessionsBySub: StatementSync
  /** Inserts, or takes over an expired lease; changes 0 rows while someone holds it. */
  takeLock: StatementSync
  releaseLock: StatementSync
  /** Inserts, or renews an expired key; changes 0 rows while the key counts as seen. */
  markSeen: StatementSync
  sweepSessions: StatementSync
  sweepLocks: StatementSync
  sweepSeen: StatementSync
}

/** Prepares the {@link Statements} on an open, migrated database. */
export function prepareStatements(db: DatabaseSync): Statements {
  const p = (sql: string) => db.prepare(sql)
  return {
    getSession: p('SELECT data, expires_at FROM sessions WHERE id = :id AND expires_at > :now'),
    dataVersion: p('PRAGMA data_version'),
    listSessionsBySub: p(
      'SELECT id, data FROM sessions WHERE issuer = :issuer AND sub = :sub AND expires_at > :now',
    ),
    countSessions: p('SELECT COUNT(*) AS live FROM sessions WHERE expires_at > :now'),
    upsertSession: p(
      `INSERT INTO sessions (id, issuer, sub, sid, version, expires_at, data)
       VALUES (:id, :issuer, :sub, :sid, :version, :expiresAt, :data)
       ON CONFLICT (id) DO UPDATE SET issuer = excluded.issuer, sub = excluded.sub,
         sid = excluded.sid, version = excluded.version, expires_at = excluded.expires_at,
         data = excluded.data`,
    ),
    updateSession: p(
      `UPDATE sessions SET issuer = :issuer, sub = :sub, sid = :sid, version = :version,
         expires_at = :expiresAt, data = :data
       WHERE id = :id AND version = :expectedVersion AND expires_at > :now`,
    ),
    deleteSession: p('DELETE FROM sessions WHERE id = :id'),
    deleteSessionsBySid: p(
      'DELETE FROM sessions WHERE issuer = :issuer AND sid = :sid RETURNING id, expires_at, data',
    ),
    deleteSessionsBySub: p(
      'DELETE FROM sessions WHERE issuer = :issuer AND sub = :sub RETURNING id, expires_at, data',
    ),
    takeLock: p(
      `INSERT INTO locks (key, token, expires_at) VALUES (:key, :token, :expiresAt)
       ON CONFLICT (key) DO UPDATE SET token = excluded.token, expires_at = excluded.expires_at
       WHERE locks.expires_at <= :now`,
    ),
    releaseLock: p('DELETE FROM locks WHERE key = :key AND token = :token'),
    markSeen: p(
      `INSERT INTO seen (key, expires_at) VALUES (:key, :expiresAt)
       ON CONFLICT (key) DO UPDATE SET expires_at = excluded.expires_at
       WHERE seen.expires_at <= :now`,
    ),
    sweepSessions: p('DELETE FROM sessions WHERE expires_at <= :now'),
    sweepLocks: p('DELETE FROM locks WHERE expires_at <= :now'),
    sweepSeen: p('DELETE FROM seen WHERE expires_at <= :now'),
  }
}
