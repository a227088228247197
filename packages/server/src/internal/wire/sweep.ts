/** A periodic check that runs only while it has something to check. */
export interface Sweep {
  /** Starts the interval if it is not running. */
  start(): void
  stop(): void
}

/**
 * Runs `check` every `intervalMs` until it returns `false` (nothing left to watch), then
 * idles until `start()` again. For deadlines that many short-lived things share (idle
 * connections, exchanges waiting for an answer): one timer instead of one per thing, which
 * Node would create, re-arm and clear on every call. A deadline is met up to `intervalMs`
 * late. The timer never keeps the process alive.
 */
export function createSweep(intervalMs: number, check: () => boolean): Sweep {
  let timer: NodeJS.Timeout | undefined
  const stop = () => {
    clearInterval(timer)
    timer = undefined
  }
  return {
    start() {
      if (timer) return
      timer = setInterval(() => check() || stop(), intervalMs)
      timer.unref()
    },
    stop,
  }
}
