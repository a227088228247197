// Memory per idle session in the memory store, in a fresh process started with
// `--expose-gc`: RSS and heap after a full collection, before and after adding sessions.
import { createMemoryStore } from '@coatcheck/core'
import { createTestSession } from '@coatcheck/core/testing'
import { serveParent } from './processes.ts'

const collect = (globalThis as { gc?: () => void }).gc
const store = createMemoryStore()
let count = 0

function measure() {
  collect?.()
  collect?.()
  const { rss, heapUsed } = process.memoryUsage()
  return { rss, heapUsed }
}

serveParent({
  start: () => ({ type: 'ready', ...measure() }),
  async grow(message) {
    const target = Number(message['count'])
    for (; count < target; count++) await store.set(createTestSession(), 8 * 3600)
    return { type: 'grown', count, ...measure() }
  },
})
process.on('SIGTERM', () => process.exit(0))
