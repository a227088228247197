import { mkdir } from 'node:fs/promises'
import { dirname, resolve } from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import { ConfigError } from '@coatcheck/core'

/** Bumped with every schema change; a file from a newer Coatcheck is refused, not altered. */
const SCHEMA_VERSION = 1

/*
 * `id` is the SHA-256 of the session id, never the id itself: the id is the cookie value,
 * so a copy of the file must not hand out working session cookies. `data` is the whole
 * session sealed with the configured keys; issuer, sub and sid stay clear for the indexes.
 */
const SCHEMA = `
CREATE TABLE IF NOT EXISTS sessions (
  id TEXT PRIMARY KEY,
  issuer TEXT NOT NULL,
  sub TEXT NOT NULL,
  sid TEXT,
  version INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS sessions_issuer_sid ON sessions (issuer, sid) WHERE sid IS NOT NULL;
CREATE INDEX IF NOT EXISTS sessions_issuer_sub ON sessions (issuer, sub);
CREATE INDEX IF NOT EXISTS sessions_expires_at ON sessions (expires_at);
CREATE TABLE IF NOT EXISTS locks (
  key TEXT PRIMARY KEY,
  token TEXT NOT NULL,
  expires_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS seen (
  key TEXT PRIMARY KEY,
  expires_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS seen_expires_at ON seen (expires_at);
`

/**
 * Opens (creating it and its directory when missing) the database at `path` in WAL mode
 * with a busy timeout, and brings its schema up to date.
 *
 * @throws ConfigError naming the path and the fix when the file cannot be used.
 */
export async function openDatabase(path: string, busyTimeoutMs: number): Promise<DatabaseSync> {
  const inMemory = path === ':memory:'
  if (!inMemory) {
    await mkdir(dirname(resolve(path)), { recursive: true }).catch((error: unknown) => {
      throw unusable(path, error, 'create that directory or make its parent writable')
    })
  }
  return openExistingDirectory(path, busyTimeoutMs)
}

/** {@link openDatabase} when the directory is known to exist: synchronous. */
export function openExistingDirectory(path: string, busyTimeoutMs: number): DatabaseSync {
  let db: DatabaseSync | undefined
  try {
    db = new DatabaseSync(path, { timeout: busyTimeoutMs })
    // WAL lets readers go on while one writer writes; NORMAL is durable across app crashes
    // and loses at most the last transactions on power loss, acceptable for sessions.
    db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL')
    migrate(db, path)
    return db
  } catch (error) {
    db?.close()
    if (error instanceof ConfigError) throw error
    throw unusable(path, error, 'make the file and its directory writable by this process')
  }
}

function migrate(db: DatabaseSync, path: string): void {
  const row = db.prepare('PRAGMA user_version').get() as { user_version: number }
  if (row.user_version > SCHEMA_VERSION) {
    throw new ConfigError([
      {
        path: 'path',
        message: `the SQLite session database at "${path}" has schema ${row.user_version}, written by a newer Coatcheck; upgrade Coatcheck or point \`path\` at another file`,
      },
    ])
  }
  db.exec(`BEGIN IMMEDIATE; ${SCHEMA} PRAGMA user_version = ${SCHEMA_VERSION}; COMMIT`)
}

function unusable(path: string, error: unknown, fix: string): ConfigError {
  const reason = error instanceof Error ? error.message : String(error)
  const issue = {
    path: 'path',
    message: `cannot use "${path}" as the SQLite session database (${reason}); ${fix}, or point \`path\` at another file`,
  }
  return Object.assign(new ConfigError([issue]), { cause: error })
}
