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
   * {@link statements}, for a statement that writes (or takes a lock): every database file of
   * this process asks for its {@link dataVersion} again at its next read.
   */
  writing(): Statements
  /**
   * `PRAGMA data_version` of the connection in use: it changes when another connection has
   * committed to the file. Call {@link statements} first. Asked once per turn of the event
   * loop, and again after any write of this process (see {@link writing}): a read sees every
   * commit made before its turn began, and everything committed before a lock it took.
   */
  dataVersion(): unknown
  close(): void
}

/**
 * Writes made through any {@link DatabaseFile} of this process. A version checked in this
 * turn is trusted only while this is unchanged: after this process writes, or takes a lock
 * that another process had released, the next read asks again. Two stores on one file in one
 * process see each other's writes at once, as two processes do from the next turn.
 */
let writesHere = 0

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
 * committed, so the version is what it was. The header itself is read once per turn (until
 * `distrust`) and again after a write of this process: under load a turn serves many
 * calls, and the `pread` per read cost more than the rest of a held read. Without a `-shm`
 * file (`:memory:`), every call asks.
 */
function createVersionCheck(path: string) {
  let shm: number | undefined
  const header = Buffer.alloc(WAL_INDEX_HEADERS)
  const seen = Buffer.alloc(WAL_INDEX_HEADERS)
  let known = false
  let version: unknown
  // The value of `writesHere` when the version was checked in this turn; undefined when not.
  let trustedAt: number | undefined
  return {
    /** The version of `sql`'s connection, asked of SQLite only when it may have changed. */
    get(sql: Statements): unknown {
      if (trustedAt === writesHere) return version
      if (shm !== undefined) {
        trustedAt = writesHere
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
    /** A new turn of the event loop: the next call checks again. */
    distrust(): void {
      trustedAt = undefined
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
      trustedAt = undefined
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
  if (path === ':memory:') {
    const writing = () => {
      writesHere++
      return sql
    }
    return { statements: () => sql, writing, dataVersion: () => versions.get(sql), close }
  }
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
  // checks the path and the data version, the others of that turn use its answers.
  let checked = false
  const endTurn = () => {
    checked = false
    versions.distrust()
  }

  function statements(): Statements {
    if (checked) return sql
    // Throws ENOENT, EACCES or ENOTDIR while the file cannot be reached.
    if (identify(path) === identity) {
      checked = true
      setImmediate(endTurn)
      return sql
    }
    // Another file now sits at the path (restored from a backup, for example): use it.
    return reopen()
  }

  return {
    statements,
    writing() {
      writesHere++
      return statements()
    },
    // Through `statements`, so that the turn that trusts the version also ends.
    dataVersion: () => versions.get(statements()),
    close,
  }
}

function identify(path: string): string {
  const stat = statSync(path, { bigint: true })
  return `${stat.dev}:${stat.ino}`
}
