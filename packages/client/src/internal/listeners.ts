/** A set of change listeners, the subscribable half of the store (TanStack Query's model). */
export interface Listeners {
  subscribe(listener: () => void): () => void
  notify(): void
  clear(): void
}

export function createListeners(): Listeners {
  const listeners = new Set<() => void>()
  return {
    subscribe(listener) {
      // Wrapped so that one function subscribed twice gets two independent subscriptions.
      const entry = () => listener()
      listeners.add(entry)
      return () => void listeners.delete(entry)
    },
    notify() {
      // A copy: a listener may unsubscribe itself or another while being told.
      for (const listener of [...listeners]) listener()
    },
    clear: () => listeners.clear(),
  }
}
