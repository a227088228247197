import { deepFreeze } from '../../internal/deep-freeze.ts'

/** One remembered opening: what `openJson` gave for a sealed text in a context. */
interface Opened {
  context: string
  value: unknown
  rotated: boolean
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
 * (the parsed values are about as large); the least recently used go first.
 */
export function createOpenedValues(budgetChars: number) {
  const entries = new Map<string, Opened>()
  let heldChars = 0

  return {
    get(sealed: string, context: string): Opened | undefined {
      const entry = entries.get(sealed)
      if (entry?.context !== context) return undefined
      // Map order is insertion order: moved to the end, it is the last to go.
      entries.delete(sealed)
      entries.set(sealed, entry)
      return entry
    },
    remember(sealed: string, context: string, value: unknown, rotated: boolean): unknown {
      const frozen = deepFreeze(value)
      if (sealed.length > budgetChars || entries.has(sealed)) return frozen
      entries.set(sealed, { context, value: frozen, rotated })
      heldChars += sealed.length
      for (const oldest of entries.keys()) {
        if (heldChars <= budgetChars) break
        entries.delete(oldest)
        heldChars -= oldest.length
      }
      return frozen
    },
  }
}
