import assert from 'node:assert/strict'
import { once } from 'node:events'
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it, type TestContext } from 'node:test'
import { ConfigError, createCoatcheck, parseConfig } from '@coatcheck/core'
import { createTestSession } from '@coatcheck/core/testing'
import { REDIS_URL, deleteKeys, runPrefix } from '../../redis/test/redis-test-helpers.ts'
import { withStartDefaults } from '../src/commands/start-command.ts'
import { createStoreFromConfig } from '../src/index.ts'
import { startIdp } from './support/gateway.ts'
import { startCli } from './support/run-cli.ts'

const base = {
  environment: 'development',
  publicUrl: 'http://localhost:8080',
  keys: ['k'.repeat(43)],
  idp: { issuer: 'http://localhost:9000', clientId: 'web', clientSecret: 's3cret' },
  spa: { url: 'http://localhost:5173/' },
}
const withSession = (session: Record<string, unknown>) => parseConfig({ ...base, session })

async function tempDir(t: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'coatcheck-store-config-'))
  t.after(() => rm(dir, { recursive: true, force: true }))
  return dir
}

describe('session.store from the configuration', () => {
  it('builds the memory store, and leaves cookie sessions to the core', async () => {
    const memory = await createStoreFromConfig(withSession({}))
    assert.equal(typeof memory?.count, 'function')
    await memory?.close()
    assert.equal(await createStoreFromConfig(withSession({ store: 'cookie' })), undefined)
  })

  it('opens the SQLite file at session.sqlite.path', async (t) => {
    const path = join(await tempDir(t), 'nested', 'sessions.db')
    const store = await createStoreFromConfig(withSession({ store: 'sqlite', sqlite: { path } }))
    assert.ok(store)
    t.after(() => store.close())
    const session = createTestSession()
    await store.set(session, 60)
    assert.deepEqual(await store.get(session.id), session)
    assert.ok((await stat(path)).isFile())
  })

  it('connects to Redis at session.redis.url under its keyPrefix', async (t) => {
    const keyPrefix = runPrefix()
    t.after(() => deleteKeys(keyPrefix))
    const config = withSession({ store: 'redis', redis: { url: REDIS_URL, keyPrefix } })
    const store = await createStoreFromConfig(config)
    assert.ok(store)
    t.after(() => store.close())
    const session = createTestSession()
    await store.set(session, 60)
    assert.deepEqual(await store.get(session.id), session)
  })

  it('names the missing Redis options at start-up', () => {
    const paths = (session: Record<string, unknown>) => {
      try {
        withSession(session)
        return []
      } catch (error) {
        assert.ok(error instanceof ConfigError)
        return error.issues.map((issue) => issue.path)
      }
    }
    assert.deepEqual(paths({ store: 'redis' }), ['session.redis'])
    assert.deepEqual(paths({ store: 'redis', redis: { mode: 'standalone' } }), [
      'session.redis.url',
    ])
    assert.deepEqual(paths({ store: 'redis', redis: { mode: 'sentinel', nodes: ['s1:26379'] } }), [
      'session.redis.name',
    ])
    assert.deepEqual(paths({ store: 'redis', redis: { mode: 'cluster' } }), ['session.redis.nodes'])
    assert.deepEqual(paths({ store: 'redis', redis: { url: 'http://redis:6379' } }), [
      'session.redis.url',
    ])
  })

  it('refuses sqlite or redis in createCoatcheck without the store it cannot build', () => {
    assert.throws(
      () => createCoatcheck(withSession({ store: 'sqlite' })),
      (error: unknown) => error instanceof ConfigError && error.issues[0]?.path === 'session.store',
    )
  })
})

describe('coatcheck start without session.store', () => {
  it('uses SQLite next to the configuration file, keeps a chosen store and an absolute path', () => {
    const file = '/etc/coatcheck/coatcheck.yaml'
    const session = (raw: unknown) => (withStartDefaults(raw, file) as { session: unknown }).session
    assert.deepEqual(session({}), {
      store: 'sqlite',
      sqlite: { path: '/etc/coatcheck/coatcheck-sessions.db' },
    })
    assert.deepEqual(session({ session: { sqlite: { path: 'data/s.db' } } }), {
      store: 'sqlite',
      sqlite: { path: '/etc/coatcheck/data/s.db' },
    })
    assert.deepEqual(session({ session: { store: 'memory' } }), {
      store: 'memory',
      sqlite: { path: '/etc/coatcheck/coatcheck-sessions.db' },
    })
    assert.deepEqual(session({ session: { sqlite: { path: '/var/lib/c.db' } } }), {
      store: 'sqlite',
      sqlite: { path: '/var/lib/c.db' },
    })
  })

  it('logs where the SQLite file is', async (t) => {
    const idp = await startIdp(t)
    const dir = await tempDir(t)
    const file = join(dir, 'coatcheck.json')
    await writeFile(file, JSON.stringify({ ...base, idp: { ...base.idp, issuer: idp.issuer } }))
    const { child, output } = await startCli(
      ['start', '--config', file, '--port', '0'],
      /Sessions:/,
      (cleanUp) => t.after(cleanUp),
      { env: {} },
    )
    const stdout = output()
    const expected = join(dir, 'coatcheck-sessions.db')
    assert.match(stdout, new RegExp(`Sessions: SQLite file ${expected.replace(/[.]/g, '\\.')}`))
    assert.ok((await stat(expected)).isFile())
    const exited = once(child, 'exit')
    child.kill('SIGTERM')
    assert.deepEqual(await exited, [0, null])
  })
})
