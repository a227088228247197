import { CoatcheckError, isCoatcheckError } from '../../errors/coatcheck-error.ts'
import type { EventSink } from '../../events/coatcheck-event.ts'

/** Runs one store operation; see {@link createStoreCaller}. */
export type StoreCaller = <T>(operation: () => Promise<T>) => Promise<T>

/**
 * Wraps store calls so that any failure (Redis unreachable, SQLite file gone, a timeout)
 * becomes `store_unavailable` (503) and a `store_error` event. The request fails closed:
 * no session is assumed, none is destroyed, and the next request tries the store again.
 */
export function createStoreCaller(onEvent: EventSink = () => {}): StoreCaller {
  return async (operation) => {
    try {
      return await operation()
    } catch (error) {
      throw storeFailure(error, onEvent)
    }
  }
}

/** What a failed store call throws, as {@link createStoreCaller} decides it. */
export function storeFailure(error: unknown, onEvent: EventSink): unknown {
  if (isCoatcheckError(error)) return error
  onEvent({ type: 'store_error' })
  // The driver's message may name an internal address: it stays in `cause`, for logs.
  return new CoatcheckError('store_unavailable', { cause: error })
}
