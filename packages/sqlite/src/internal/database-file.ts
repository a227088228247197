import { closeSync, openSync, readSync, statSync } from 'node:fs'
import { openDatabase, openExistingDirectory } from './open-database.ts'
import { prepareStatements, type Statements } from './statements.ts'

/** The open database, checked against its path before use. */
export interface DatabaseFile {
  /**
   * The prepared statements to use now. Throws while the path cannot be reached (directory
   * gone, volume unmounted, permission removed), so the caller answers 503 instead of
   * writing into a file nobody will read again; reopens when the path names another file.
   * Checked once per turn of the event loop.
   */
  statements(): Statements
  /**
   * `PRAGMA data_version` of the connection in use: it changes exactly when another
   * connection has committed to the file. Call {@link statements} first.
   */
  dataVersion(): unknown
  close(): void
}

/**
 * The two copies of the WAL-index header at the start of the `-shm` file: every commit in
 * WAL mode rewrites them (frame count, change counter, checksums) before it returns.
 *
 * @see https://www.sqlite.org/walformat.html#the_wal_index_file_format
 */
const WAL_INDEX_HEADERS = 96

/**
 * `PRAGMA data_version` asked only when the WAL-index header changed since it was last
 * asked. The pragma opens a read transaction, two `fcntl` lock calls on the shared-memory
 * file and back; reading the header is one `pread`, and while it is unchanged nobody has
 * committed, so the version is what it was. Without a `-shm` file (`:memory:`), every call
 * asks.
 */
function createVersionCheck(path: string) {
  let shm: number | undefined
  const header = Buffer.alloc(WAL_INDEX_HEADERS)
  const seen = Buffer.alloc(WAL_INDEX_HEADERS)
  let known = false
  let version: unknown
  return {
    /** The version of `sql`'s connection, asked of SQLite only when it may have changed. */
    get(sql: Statements): unknown {
      if (shm !== undefined) {
        let bytes = 0
        try {
          bytes = readSync(shm, header, 0, WAL_INDEX_HEADERS, 0)
        } catch {
          // Unreadable now: SQLite answers below.
        }
        if (known && bytes === WAL_INDEX_HEADERS && header.equals(seen)) return version
        // The header before the version: a commit in between shows in the version, and
        // the next call sees another header and asks again.
        header.copy(seen)
        known = bytes === WAL_INDEX_HEADERS
      }
      version = sql.dataVersion.get()?.['data_version']
      return version
    },
    /** Follows the database at `path` as (re)opened now. */
    open(): void {
      this.close()
      try {
        shm = openSync(`${path}-shm`, 'r')
      } catch {
        shm = undefined
      }
    },
    close(): void {
      if (shm !== undefined) closeSync(shm)
      shm = undefined
      known = false
    },
  }
}

/**
 * Opens `path` and keeps its identity (device and inode). An open SQLite handle keeps
 * working on a file that was deleted or moved away: without this check a store would go on
 * writing sessions into an unlinked file that is lost at the next restart.
 */
export async function openDatabaseFile(path: string, busyTimeoutMs: number): Promise<DatabaseFile> {
  let db = await openDatabase(path, busyTimeoutMs)
  let sql = prepareStatements(db)
  const versions = createVersionCheck(path)
  const close = () => {
    versions.close()
    if (db.isOpen) db.close()
  }
  const dataVersion = () => versions.get(sql)
  if (path === ':memory:') return { statements: () => sql, dataVersion, close }
  versions.open()
  let identity = identify(path)

  function reopen(): Statements {
    const next = openExistingDirectory(path, busyTimeoutMs)
    close()
    db = next
    sql = prepareStatements(db)
    versions.open()
    identity = identify(path)
    return sql
  }

  // Calls handled in one turn of the event loop are as simultaneous as Node gets: the first
  // checks the path, the others of that turn use its answer.
  let checked = false
  const uncheck = () => {
    checked = false
  }

  return {
    statements() {
      if (checked) return sql
      // Throws ENOENT, EACCES or ENOTDIR while the file cannot be reached.
      if (identify(path) === identity) {
        checked = true
        setImmediate(uncheck)
        return sql
      }
      // Another file now sits at the path (restored from a backup, for example): use it.
      return reopen()
    },
    dataVersion,
    close,
  }
}

function identify(path: string): string {
  const stat = statSync(path, { bigint: true })
  return `${stat.dev}:${stat.ino}`
}
