import { statSync } from 'node:fs'
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
  close(): void
}

/**
 * Opens `path` and keeps its identity (device and inode). An open SQLite handle keeps
 * working on a file that was deleted or moved away: without this check a store would go on
 * writing sessions into an unlinked file that is lost at the next restart.
 */
export async function openDatabaseFile(path: string, busyTimeoutMs: number): Promise<DatabaseFile> {
  let db = await openDatabase(path, busyTimeoutMs)
  let sql = prepareStatements(db)
  const close = () => {
    if (db.isOpen) db.close()
  }
  if (path === ':memory:') return { statements: () => sql, close }
  let identity = identify(path)

  function reopen(): Statements {
    const next = openExistingDirectory(path, busyTimeoutMs)
    close()
    db = next
    sql = prepareStatements(db)
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
    close,
  }
}

function identify(path: string): string {
  const stat = statSync(path, { bigint: true })
  return `${stat.dev}:${stat.ino}`
}
