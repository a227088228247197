import type { SessionState } from '../session-state.ts'

/**
 * Snapshots are shared by every subscriber, so none of them may change what the others see:
 * frozen all the way down (the user's claims are plain JSON).
 */
export function freezeState(state: SessionState): SessionState {
  return deepFreeze({ ...state })
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    for (const child of Object.values(value)) deepFreeze(child)
    Object.freeze(value)
  }
  return value
}
