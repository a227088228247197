import { after } from 'node:test'
import { describeStoreConformance } from '@coatcheck/core/testing'
import { createRedisStore } from '../src/index.ts'
import { deleteKeys, REDIS_URL, runPrefix, TEST_KEYS } from './redis-test-helpers.ts'

const run = runPrefix()
after(() => deleteKeys(run))

// Redis measures TTLs and leases on its own clock: the suite waits out short real ones.
describeStoreConformance('createRedisStore', ({ prefix }) =>
  createRedisStore({ redis: REDIS_URL, keys: TEST_KEYS, keyPrefix: `${run}${prefix}` }),
)
