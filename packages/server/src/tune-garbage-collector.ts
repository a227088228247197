import { setFlagsFromString } from 'node:v8'

/**
 * Turns off V8's allocation-site pretenuring for this process. `startServer` calls it; call
 * it yourself (or start Node with `--no-allocation-site-pretenuring`) when you serve
 * `createGatewayListener` from your own server. Safe to call more than once.
 *
 * Pretenuring makes V8 allocate objects from an object or array literal straight in the old
 * generation once most of them outlived a young-generation collection. A gateway's objects
 * live for one call, but under load some survive by accident (they were in flight, or an old
 * object still pointed at them), their literal gets pretenured, and from then on every call's
 * copy lands in the old generation: dead at once, yet it keeps whatever it points to alive
 * through each young collection until the next full one. That turned a quarter of every
 * call's garbage into old-generation garbage and made young collections copy 10 MB at a time
 * (docs/benchmarks.md, "Garbage that outlives its call"). Nothing is lost by turning it off:
 * long-lived data (sessions, configuration) is promoted the ordinary way, once.
 */
export function tuneGarbageCollector(): void {
  setFlagsFromString('--no-allocation-site-pretenuring')
}
