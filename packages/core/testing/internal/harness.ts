import { randomUUID } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import type { SessionStore } from '../../src/session/session-store.ts'

/** What a store factory gets: the clock to use and a namespace of its own. */
export interface StoreFactoryOptions {
  /** Epoch milliseconds: a clock the suite moves when the store supports one. */
  now: () => number
  /** Unique per store the suite creates, so shared backends (Redis) keep tests apart. */
  prefix: string
}

/** Creates the store under test: once per test, and once more for a neighbour. */
export type StoreFactory = (options: StoreFactoryOptions) => Promise<SessionStore> | SessionStore

/** What the store can do that changes how the suite tests it. */
export interface StoreCapabilities {
  /**
   * The store measures every expiry (TTLs, leases) with the injected `now`, so the suite
   * moves time instead of waiting. Without it, expiry tests wait out short real TTLs.
   */
  controllableClock?: boolean
}

/** Time as one test sees it: moved by hand, or really waited out. */
export interface TestClock {
  now(): number
  /** Lets at least `ms` pass for the store. */
  advance(ms: number): Promise<void>
}

/**
 * Runs one test body against a fresh store, closing it afterwards. `openOther` creates
 * another store from the factory, with a prefix of its own and the same clock: a
 * neighbour on the same backend, closed afterwards too.
 */
export type WithStore = (
  body: (
    store: SessionStore,
    clock: TestClock,
    openOther: () => Promise<SessionStore>,
  ) => Promise<void>,
) => () => Promise<void>

/** The suite's view of a store: fresh instances and the right clock for each. */
export interface Harness {
  controllableClock: boolean
  withStore: WithStore
}

const START = 1_700_000_000_000
/** Slack over a real TTL: Redis expires a key within a millisecond of its deadline. */
const REAL_TIME_SLACK_MS = 100

/** Builds the {@link Harness} for a factory and its capabilities. */
export function createHarness(factory: StoreFactory, capabilities: StoreCapabilities): Harness {
  const controllableClock = capabilities.controllableClock === true
  const withStore: WithStore = (body) => async () => {
    const clock = controllableClock ? manualClock() : realClock()
    const open = async () => {
      const store = await factory({ now: clock.now, prefix: `conformance-${randomUUID()}:` })
      opened.push(store)
      return store
    }
    const opened: SessionStore[] = []
    try {
      await body(await open(), clock, open)
    } finally {
      await Promise.all(opened.map((store) => store.close()))
    }
  }
  return { controllableClock, withStore }
}

function manualClock(): TestClock {
  let time = START
  return {
    now: () => time,
    advance: async (ms) => {
      time += ms
    },
  }
}

function realClock(): TestClock {
  return { now: Date.now, advance: (ms) => sleep(ms + REAL_TIME_SLACK_MS) }
}
