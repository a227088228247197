import { randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after } from 'node:test'
import { describeStoreConformance } from '@coatcheck/core/testing'
import { createSqliteStore } from '../src/index.ts'

const keys = [randomBytes(32).toString('base64url')]

describeStoreConformance(
  'createSqliteStore (in memory)',
  ({ now }) => createSqliteStore({ path: ':memory:', keys, now }),
  { controllableClock: true },
)

// The same suite on a real WAL file, as in production.
const dir = await mkdtemp(join(tmpdir(), 'coatcheck-sqlite-conformance-'))
after(() => rm(dir, { recursive: true, force: true }))

describeStoreConformance(
  'createSqliteStore (file)',
  ({ now, prefix }) => createSqliteStore({ path: join(dir, `${prefix}.db`), keys, now }),
  { controllableClock: true },
)
