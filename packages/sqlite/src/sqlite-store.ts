import { randomBytes } from 'node:crypto'
import type { SQLInputValue } from 'node:sqlite'
import { createSealer, type AesGcm, type Session, type SessionStore } from '@coatcheck/core'
import { hashKey } from './internal/hash-key.ts'
import { openDatabaseFile } from './internal/database-file.ts'
import { createReadSessions } from './internal/read-sessions.ts'

/** Options of {@link createSqliteStore}. */
export interface SqliteStoreOptions {
  /** Database file, created with its directory when missing; `':memory:'` for tests. */
  path: string
  /** Sealing keys (base64url, ≥ 32 bytes, newest first), as in the config's `keys`. */
  keys: readonly string[]
  /**
   * The AES-256-GCM that seals each session. Default: WebCrypto's; pass `nodeAesGcm` from
   * `@coatcheck/server` (as `coatcheck start` does) to spend several times less CPU per read.
   */
  aesGcm?: AesGcm
  /** Epoch milliseconds; injected so tests control time. Defaults to `Date.now`. */
  now?: () => number
  /** How often expired rows are deleted. Default 60 s; reads hide them at once anyway. */
  sweepIntervalMs?: number
  /** How long a write waits for another process's write before failing. Default 5 s. */
  busyTimeoutMs?: number
}

type Row = Record<string, SQLInputValue>

/**
 * A {@link SessionStore} in an SQLite file on the built-in `node:sqlite`: the embedded
 * default, persistent across restarts, for one host (processes on that host may share the
 * file). Each session is sealed with the configured keys (AES-256-GCM) and stored under the
 * hash of its id, so a copy of the file reveals no token and no usable session cookie.
 *
 * Every operation is one SQL statement: `update` is `UPDATE … WHERE version = ?`, `lock`
 * and `seenOnce` are conditional upserts, so they stay atomic between processes too.
 *
 * @throws ConfigError naming the path and the fix when the file cannot be opened.
 */
export async function createSqliteStore(options: SqliteStoreOptions): Promise<SessionStore> {
  const { path, now = Date.now, sweepIntervalMs = 60_000, busyTimeoutMs = 5_000 } = options
  if (typeof path !== 'string' || path === '') throw new TypeError('path must be a file path')
  checkPositive('sweepIntervalMs', sweepIntervalMs)
  const sealer = await createSealer(options.keys, options.aesGcm ? { aesGcm: options.aesGcm } : {})
  const file = await openDatabaseFile(path, busyTimeoutMs)

  // The context binds a sealed value to its row: moved to another row, it no longer opens.
  const context = (key: string) => `coatcheck/sqlite/session/${key}`
  const open = async (row: Row): Promise<Session | undefined> =>
    (await sealer.openJson<Session>(row['data'] as string, context(row['id'] as string)))?.value
  const toRow = async (session: Session, ttlSeconds: number) => {
    checkPositive('ttlSeconds', ttlSeconds)
    const id = hashKey(session.id)
    return {
      id,
      issuer: session.issuer,
      sub: session.sub,
      sid: session.sid ?? null,
      version: session.version,
      expiresAt: now() + ttlSeconds * 1000,
      data: await sealer.sealJson(session, context(id)),
    }
  }
  const removedIds = async (rows: Row[]) => {
    const time = now()
    const live = rows.filter((row) => (row['expires_at'] as number) > time)
    // A row whose keys were all rotated out cannot name its session; it is gone regardless.
    const sessions = await Promise.all(live.map(open))
    return sessions.flatMap((session) => (session ? [session.id] : []))
  }

  const sweep = () => {
    const time = { now: now() }
    try {
      const sql = file.writing()
      sql.sweepSessions.run(time)
      sql.sweepLocks.run(time)
      sql.sweepSeen.run(time)
    } catch {
      // Best effort (the file may be busy or briefly unavailable): reads already hide
      // expired rows, and the next sweep catches up.
    }
  }
  const timer = setInterval(sweep, sweepIntervalMs)
  timer.unref()
  const read = createReadSessions()

  /** The statements to use for a write; the session it writes is read from the file next. */
  const forWriting = (id: string) => {
    const sql = file.writing()
    read.forget(id)
    return sql
  }

  return {
    async get(id) {
      const sql = file.statements()
      read.check(sql, file.dataVersion())
      const time = now()
      // A held session that expired is not in the file either: the SELECT below hides it.
      const held = read.get(id, time)
      if (held) return held
      const readAt = read.generation()
      const key = hashKey(id)
      const row = sql.getSession.get({ id: key, now: time })
      if (!row) return undefined
      const session = await open({ id: key, data: row['data'] as string })
      if (session) read.remember(id, session, row['expires_at'] as number, readAt)
      return session
    },
    async set(session, ttlSeconds) {
      const row = await toRow(session, ttlSeconds)
      forWriting(session.id).upsertSession.run(row)
    },
    async update(session, expectedVersion, ttlSeconds) {
      const row = await toRow(session, ttlSeconds)
      const sql = forWriting(session.id)
      return sql.updateSession.run({ ...row, expectedVersion, now: now() }).changes === 1
    },
    async delete(id) {
      forWriting(id).deleteSession.run({ id: hashKey(id) })
    },
    async deleteBy(filter) {
      const sql = file.writing()
      // Which sessions go is known only from the rows (and not at all for a row that no
      // longer opens): forget every session held.
      read.forgetAll()
      const rows =
        'sid' in filter
          ? sql.deleteSessionsBySid.all({ issuer: filter.issuer, sid: filter.sid })
          : sql.deleteSessionsBySub.all({ issuer: filter.issuer, sub: filter.sub })
      return removedIds(rows)
    },
    async listBy({ issuer, sub }) {
      const sql = file.statements()
      const rows = sql.listSessionsBySub.all({ issuer, sub, now: now() })
      const sessions = await Promise.all(rows.map(open))
      return sessions.filter((session) => session !== undefined)
    },
    async count() {
      const row = file.statements().countSessions.get({ now: now() })
      return Number(row?.['live'] ?? 0)
    },
    async lock(key, leaseMs) {
      // A write: the reads that follow a lease taken ask for the data version again, so the
      // re-read under the lease sees what the previous holder committed.
      const sql = file.writing()
      checkPositive('leaseMs', leaseMs)
      const time = now()
      // A random token per taking: a holder whose lease ran out and was taken over must not
      // free the new holder's lease when it finally calls release.
      const row = { key: hashKey(key), token: randomBytes(16).toString('base64url') }
      if (sql.takeLock.run({ ...row, expiresAt: time + leaseMs, now: time }).changes !== 1) {
        return undefined
      }
      return {
        async release() {
          file.writing().releaseLock.run(row)
        },
      }
    },
    async seenOnce(key, ttlSeconds) {
      const sql = file.writing()
      checkPositive('ttlSeconds', ttlSeconds)
      const time = now()
      const row = { key: hashKey(key), expiresAt: time + ttlSeconds * 1000, now: time }
      return sql.markSeen.run(row).changes === 1
    },
    async close() {
      clearInterval(timer)
      file.close()
    },
  }
}

function checkPositive(name: string, value: number): void {
  if (!Number.isFinite(value) || value <= 0) {
    throw new TypeError(`${name} must be a positive number`)
  }
}
