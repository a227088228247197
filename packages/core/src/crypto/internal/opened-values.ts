import { deepFreeze } from '../../internal/deep-freeze.ts'

/** One remembered opening: what `openJson` gave for a sealed text in a context. */
interface Opened {
  /** The whole sealed text; the map's key is only its end. */
  sealed: string
  context: string
  value: unknown
  rotated: boolean
  /** Read since the last eviction pass looked at it. */
  used: boolean
}

/**
 * The values a sealer opened most recently, by their sealed text. A session is read on every
 * API call, so the cookie store and the sealed server-side stores open the same text again
 * and again; remembering it makes that a map lookup instead of base64url decoding, AES-GCM
 * and JSON parsing.
 *
 * Opening is a pure function of the text, the context and the sealer's keys, so a remembered
 * value is exactly what opening again would give. Only authentic values are remembered, so
 * input that fails to open cannot fill the memory. Values are deep-frozen, because every
 * caller that opens the same text shares one. Bounded by the characters of sealed text held
 * (the parsed values are about as large). Over the budget, the oldest text goes unless it was
 * read since it was last looked at (second chance): then it moves to the end instead. A read
 * only sets a flag and never reorders the map: a `Map` that loses and gains an entry on every
 * call keeps its old tables, and the texts in them, alive (docs/benchmarks.md, "Garbage that
 * outlives its call").
 *
 * The map is keyed by the text's last {@link KEY_CHARS} characters (the AES-GCM tag, unique
 * per sealing), and a hit is confirmed by comparing the whole text: a text read off a socket
 * or out of a store is a new string every time, and hashing 1–3 kB of it for every lookup
 * cost more than comparing it once.
 */
export function createOpenedValues(budgetChars: number) {
  const entries = new Map<string, Opened>()
  let heldChars = 0

  return {
    get(sealed: string, context: string): Opened | undefined {
      // Callers pass what a request held, which is not always a string.
      if (typeof sealed !== 'string') return undefined
      const entry = entries.get(keyOf(sealed))
      if (entry?.sealed !== sealed || entry.context !== context) return undefined
      entry.used = true
      return entry
    },
    remember(sealed: string, context: string, value: unknown, rotated: boolean): unknown {
      const frozen = deepFreeze(value)
      if (sealed.length > budgetChars) return frozen
      const key = keyOf(sealed)
      const held = entries.get(key)
      if (held?.sealed === sealed) return frozen
      // Another text with the same end (never seen from sealing): the newer one stays.
      if (held) forget(key, held)
      entries.set(key, { sealed, context, value: frozen, rotated, used: false })
      heldChars += sealed.length
      // Map order is insertion order; an entry moved to the end is visited again, unflagged.
      for (const [oldest, entry] of entries) {
        if (heldChars <= budgetChars) break
        if (entry.used) {
          entries.delete(oldest)
          entry.used = false
          entries.set(oldest, entry)
        } else forget(oldest, entry)
      }
      return frozen
    },
  }

  function forget(key: string, entry: Opened): void {
    entries.delete(key)
    heldChars -= entry.sealed.length
  }
}

const KEY_CHARS = 32

function keyOf(sealed: string): string {
  return sealed.length > KEY_CHARS ? sealed.slice(-KEY_CHARS) : sealed
}
