import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import { after, before, describe, it } from 'node:test'
import { ConfigError } from '@coatcheck/core'
import { createTestSession } from '@coatcheck/core/testing'
import { createSqliteStore } from '../src/index.ts'

const newKey = () => randomBytes(32).toString('base64url')
const keys = [newKey()]
let dir: string
let files = 0
/** A fresh database path in this run's temporary directory, in a subdirectory to create. */
const nextTurn = () => new Promise((resolve) => setImmediate(resolve))
const freshPath = () => join(dir, `run-${files++}`, 'sessions.db')

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'coatcheck-sqlite-'))
})
after(() => rm(dir, { recursive: true, force: true }))

/** Two stores on one file, as two processes sharing it would have. */
function twoStoresOnOneFile(path = freshPath()) {
  return Promise.all([createSqliteStore({ path, keys }), createSqliteStore({ path, keys })])
}

function countRows(path: string, table: string): number {
  const db = new DatabaseSync(path, { readOnly: true })
  try {
    return (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n
  } finally {
    db.close()
  }
}

describe('createSqliteStore', () => {
  it('keeps sessions, locks and replay keys across a restart (close and reopen)', async () => {
    const path = freshPath()
    const session = createTestSession()
    const first = await createSqliteStore({ path, keys })
    await first.set(session, 60)
    assert.ok(await first.lock('refresh:a', 60_000))
    assert.equal(await first.seenOnce('jti-1', 60), true)
    await first.close()

    const second = await createSqliteStore({ path, keys })
    assert.deepEqual(await second.get(session.id), session)
    assert.deepEqual(await second.listBy({ issuer: session.issuer, sub: session.sub }), [session])
    assert.equal(await second.lock('refresh:a', 60_000), undefined)
    assert.equal(await second.seenOnce('jti-1', 60), false)
    await second.close()
  })

  it('writes no token and no session id in clear text to the database files', async () => {
    const path = freshPath()
    const store = await createSqliteStore({ path, keys })
    const sessions = [createTestSession(), createTestSession()]
    for (const session of sessions) await store.set(session, 60)
    await store.update({ ...sessions[0]!, version: 2 }, 1, 60)
    assert.ok(await store.lock(`refresh:${sessions[0]!.id}`, 60_000))
    // Read the WAL file too: recent writes sit there until a checkpoint.
    const folder = join(path, '..')
    const raw = Buffer.concat(
      await Promise.all((await readdir(folder)).map((name) => readFile(join(folder, name)))),
    ).toString('latin1')
    assert.ok(raw.includes(sessions[0]!.issuer), 'the raw read sees the clear index columns')
    for (const { id, tokens } of sessions) {
      for (const secret of [id, tokens.accessToken, tokens.refreshToken, tokens.idToken]) {
        assert.ok(secret && !raw.includes(secret), 'a secret is readable in the database file')
      }
      // A JWT part is shorter than the whole token; no fragment of it may show either.
      assert.ok(!raw.includes(tokens.accessToken.split('.')[1]!.slice(0, 32)))
    }
    await store.close()
  })

  it('deletes expired rows on its sweep timer', async (t) => {
    t.mock.timers.enable({ apis: ['setInterval'] })
    const path = freshPath()
    const time = { now: 1_700_000_000_000 }
    const store = await createSqliteStore({
      path,
      keys,
      now: () => time.now,
      sweepIntervalMs: 1000,
    })
    const live = createTestSession()
    await store.set(createTestSession(), 1)
    await store.set(live, 60)
    assert.ok(await store.lock('refresh:a', 500))
    assert.equal(await store.seenOnce('jti-1', 1), true)
    assert.equal(countRows(path, 'sessions'), 2)
    time.now += 2_000
    t.mock.timers.tick(1000)
    assert.equal(countRows(path, 'sessions'), 1)
    assert.equal(countRows(path, 'locks'), 0)
    assert.equal(countRows(path, 'seen'), 0)
    assert.deepEqual(await store.get(live.id), live)
    await store.close()
  })

  it('opens sessions sealed with an older key still configured; ends those of a removed key', async () => {
    const path = freshPath()
    const [oldKey, newerKey] = [newKey(), newKey()]
    const session = createTestSession()
    const before = await createSqliteStore({ path, keys: [oldKey] })
    await before.set(session, 60)
    await before.close()

    const rotated = await createSqliteStore({ path, keys: [newerKey, oldKey] })
    assert.deepEqual(await rotated.get(session.id), session)
    await rotated.close()

    // Fails closed: without the key the session is gone, never half-read.
    const removed = await createSqliteStore({ path, keys: [newerKey] })
    assert.equal(await removed.get(session.id), undefined)
    assert.deepEqual(await removed.listBy({ issuer: session.issuer, sub: session.sub }), [])
    await removed.close()
  })

  it('refuses a sealed value moved to another row', async () => {
    const path = freshPath()
    const store = await createSqliteStore({ path, keys })
    const victim = createTestSession()
    const attacker = createTestSession()
    await store.set(victim, 60)
    await store.set(attacker, 60)
    const db = new DatabaseSync(path)
    // Someone with write access to the file copies the victim's tokens into their own row.
    db.exec(`UPDATE sessions SET data = (SELECT data FROM sessions WHERE sub = 'alice' LIMIT 1)`)
    db.close()
    const reads = await Promise.all([store.get(victim.id), store.get(attacker.id)])
    assert.equal(reads.filter((read) => read !== undefined).length, 1)
    await store.close()
  })

  it('shares one file between two stores, as two processes would', async () => {
    const [a, b] = await twoStoresOnOneFile()
    const session = createTestSession()
    await a.set(session, 60)
    assert.equal(await b.update({ ...session, version: 2 }, 1, 60), true)
    assert.equal(await a.update({ ...session, version: 2 }, 1, 60), false)
    assert.ok(await a.lock('refresh:a', 60_000))
    assert.equal(await b.lock('refresh:a', 60_000), undefined)
    assert.deepEqual(await a.deleteBy({ issuer: session.issuer, sub: session.sub }), [session.id])
    assert.equal(await b.get(session.id), undefined)
    await Promise.all([a.close(), b.close()])
  })

  it('serves a session it read again until another connection commits, then reads the file (R-03, R-04)', async () => {
    const path = freshPath()
    const [a, b] = await twoStoresOnOneFile(path)
    const session = createTestSession()
    await a.set(session, 60)
    assert.deepEqual(await a.get(session.id), session)
    assert.deepEqual(await a.get(session.id), session)
    // Another process refreshes: the rotated tokens are what a reads next, never the old.
    const refreshed = { ...session, version: 2, tokens: { ...session.tokens, refreshToken: 'r2' } }
    assert.equal(await b.update(refreshed, 1, 60), true)
    assert.deepEqual(await a.get(session.id), refreshed)
    // Written to the file behind every store's back (a restore, a manual fix): seen too,
    // from the next turn of the event loop.
    const db = new DatabaseSync(path)
    db.exec('DELETE FROM sessions')
    db.close()
    await nextTurn()
    assert.equal(await a.get(session.id), undefined)
    await b.set(refreshed, 60)
    assert.deepEqual(await a.get(session.id), refreshed)
    assert.deepEqual(await b.deleteBy({ issuer: session.issuer, sub: session.sub }), [session.id])
    assert.equal(await a.get(session.id), undefined)
    await Promise.all([a.close(), b.close()])
  })

  it('sees under a lease taken what another process committed, even in the same turn (R-03)', async () => {
    const path = freshPath()
    const store = await createSqliteStore({ path, keys })
    const session = createTestSession()
    await store.set(session, 60)
    assert.deepEqual(await store.get(session.id), session)
    await nextTurn()
    assert.deepEqual(await store.get(session.id), session)
    // Another process ends the session within this turn: reads of this turn were as
    // simultaneous with that commit as Node gets, and may still answer what they held…
    const other = new DatabaseSync(path)
    other.exec('DELETE FROM sessions')
    other.close()
    assert.deepEqual(await store.get(session.id), session)
    // …but a lease taken after the commit orders every read under it after the commit too.
    assert.ok(await store.lock(`refresh:${session.id}`, 60_000))
    assert.equal(await store.get(session.id), undefined)
    await store.close()
  })

  it('reads its own writes, even those made while a read was under way (R-04)', async () => {
    const store = await createSqliteStore({ path: freshPath(), keys })
    let session = createTestSession()
    await store.set(session, 60)
    for (let i = 0; i < 30; i++) {
      const next = { ...session, version: session.version + 1 }
      // The write seals first; meanwhile the read takes the old row and opens it, and the
      // write lands before the read is done. The next read must give the written version.
      const [written] = await Promise.all([
        store.update(next, session.version, 60),
        store.get(session.id),
      ])
      assert.equal(written, true)
      session = next
      assert.equal((await store.get(session.id))?.version, session.version)
    }
    await store.delete(session.id)
    assert.equal(await store.get(session.id), undefined)
    await store.close()
  })

  it('hides a session it holds once its time is up (C-12)', async () => {
    const time = { now: 1_700_000_000_000 }
    const store = await createSqliteStore({ path: freshPath(), keys, now: () => time.now })
    const session = createTestSession()
    await store.set(session, 2)
    assert.deepEqual(await store.get(session.id), session)
    time.now += 2_000
    assert.equal(await store.get(session.id), undefined)
    await store.close()
  })

  it('rejects promptly while another process holds the file locked, then recovers', async () => {
    const path = freshPath()
    const store = await createSqliteStore({ path, keys, busyTimeoutMs: 50 })
    const session = createTestSession()
    const blocker = new DatabaseSync(path)
    blocker.exec('BEGIN EXCLUSIVE')
    const started = Date.now()
    await assert.rejects(store.set(session, 60), { code: 'ERR_SQLITE_ERROR' })
    assert.ok(Date.now() - started < 1000)
    blocker.exec('ROLLBACK')
    blocker.close()
    await store.set(session, 60)
    assert.deepEqual(await store.get(session.id), session)
    await store.close()
  })

  it('names the path and the fix when the file cannot be opened', async () => {
    const notADirectory = join(dir, 'plain-file')
    await writeFile(notADirectory, 'not a directory')
    const path = join(notADirectory, 'sessions.db')
    await assert.rejects(createSqliteStore({ path, keys }), (error: unknown) => {
      assert.ok(error instanceof ConfigError)
      assert.equal(error.issues[0]?.path, 'path')
      assert.ok(error.issues[0]?.message.includes(path))
      return true
    })
    const garbage = join(dir, 'garbage.db')
    await writeFile(garbage, randomBytes(8192))
    await assert.rejects(createSqliteStore({ path: garbage, keys }), ConfigError)
  })

  it('refuses bad options at start-up', async () => {
    await assert.rejects(createSqliteStore({ path: '', keys }), TypeError)
    await assert.rejects(createSqliteStore({ path: ':memory:', keys: [] }), TypeError)
    await assert.rejects(
      createSqliteStore({ path: ':memory:', keys, sweepIntervalMs: 0 }),
      TypeError,
    )
  })
})
