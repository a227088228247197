import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DatabaseSync, type StatementSync } from 'node:sqlite'
import { after, before, describe, it } from 'node:test'
import { openDatabaseFile, type DatabaseFile } from './database-file.ts'

let dir: string
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'coatcheck-sqlite-file-'))
})
after(() => rm(dir, { recursive: true, force: true }))

const nextTurn = () => new Promise((resolve) => setImmediate(resolve))

/** Counts how often `file` asks SQLite for `PRAGMA data_version`. */
function countAsks(file: DatabaseFile): { asks: number } {
  const count = { asks: 0 }
  const sql = file.statements()
  const pragma = sql.dataVersion
  sql.dataVersion = {
    get: () => {
      count.asks++
      return pragma.get()
    },
  } as unknown as StatementSync
  return count
}

describe('openDatabaseFile: data version', () => {
  it('asks SQLite once per turn, and again after a write of this process (R-03, R-04)', async () => {
    const path = join(dir, 'versions.db')
    const file = await openDatabaseFile(path, 1000)
    const count = countAsks(file)
    const first = file.dataVersion()
    for (let i = 0; i < 5; i++) assert.equal(file.dataVersion(), first)
    assert.equal(count.asks, 1, 'one turn: asked once')

    // A write of this process: asked again at once, and the version stays (SQLite's rule).
    file.writing().markSeen.run({ key: 'own', expiresAt: Date.now() + 60_000, now: Date.now() })
    assert.equal(file.dataVersion(), first)
    assert.equal(count.asks, 2)

    // Another connection commits. In the same turn the answer stands; from the next turn
    // on it is seen, and only once: the WAL-index header says nothing changed after it.
    const other = new DatabaseSync(path)
    other.exec(`INSERT INTO seen (key, expires_at) VALUES ('k', ${Date.now() + 60_000})`)
    other.close()
    assert.equal(file.dataVersion(), first)
    await nextTurn()
    const second = file.dataVersion()
    assert.notEqual(second, first)
    assert.equal(count.asks, 3)
    await nextTurn()
    assert.equal(file.dataVersion(), second)
    assert.equal(count.asks, 3, 'nothing committed: the WAL-index header said so')
    file.close()
  })

  it('asks SQLite every time for an in-memory database, which has no WAL index', async () => {
    const file = await openDatabaseFile(':memory:', 1000)
    const count = countAsks(file)
    file.dataVersion()
    file.dataVersion()
    assert.equal(count.asks, 2)
    file.close()
  })
})
