import { describeStoreConformance } from '../../testing/store-conformance.ts'
import { createMemoryStore } from './memory-store.ts'

describeStoreConformance('createMemoryStore', ({ now }) => createMemoryStore({ now }), {
  controllableClock: true,
})
