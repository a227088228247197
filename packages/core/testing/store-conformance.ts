import { describe } from 'node:test'
import { describeCoordinationCases } from './internal/coordination-cases.ts'
import { describeCountCases } from './internal/count-cases.ts'
import { createHarness, type StoreCapabilities, type StoreFactory } from './internal/harness.ts'
import { describeIndexCases } from './internal/index-cases.ts'
import { describeSessionCases } from './internal/session-cases.ts'
import { describeUpdateCases } from './internal/update-cases.ts'

export type { StoreCapabilities, StoreFactory, StoreFactoryOptions } from './internal/harness.ts'
export { createTestSession } from './internal/test-session.ts'

/**
 * The conformance suite every `SessionStore` passes: memory, SQLite, Redis. Call it at the
 * top level of a `node:test` file; `factory` is called once per test (twice where a test
 * needs a neighbour) and must return a fresh, empty store, apart from every other store it
 * made (use `prefix` to keep tests apart on a shared backend, and `now` when the store takes
 * a clock). Each store is closed after its test.
 *
 * It checks get/set round trips, TTL expiry, `update` as a compare-and-set under
 * concurrency, `deleteBy`/`listBy` and the consistency of their indexes through delete,
 * update and expiry, lock exclusivity and lease expiry, the replay cache, and `count` (when
 * the store has it) through set, delete, deleteBy and expiry, apart from other prefixes.
 *
 * With `controllableClock`, time is moved by hand; without, expiry tests wait out
 * 1-second TTLs and run concurrently, so the whole suite still takes a few seconds.
 */
export function describeStoreConformance(
  name: string,
  factory: StoreFactory,
  capabilities: StoreCapabilities = {},
): void {
  const harness = createHarness(factory, capabilities)
  describe(`${name}: SessionStore conformance`, { concurrency: !harness.controllableClock }, () => {
    describeSessionCases(harness)
    describeUpdateCases(harness)
    describeIndexCases(harness)
    describeCoordinationCases(harness)
    describeCountCases(harness)
  })
}
