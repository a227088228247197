/** Anything that runs teardown functions: a `TestContext`, or a {@link Teardown} for a suite. */
export interface Cleanup {
  after(fn: () => unknown): unknown
}

/** Teardown for a suite's shared fixture: register in `before`, run in `after`. */
export interface Teardown extends Cleanup {
  run(): Promise<void>
}

/** Creates a {@link Teardown}; `run()` calls the registered functions, last first. */
export function createTeardown(): Teardown {
  const steps: (() => unknown)[] = []
  return {
    after(fn) {
      steps.push(fn)
    },
    async run() {
      for (const step of steps.reverse()) await step()
    },
  }
}
