import { useSyncExternalStore } from 'react'
import type { Subject } from '@coatcheck/client'
import { useCoatcheck } from './coatcheck-provider.ts'

/**
 * Whether the session's permissions allow `action` on `subject` (and `field`), re-rendering
 * when they change. For the UI only: the API enforces the same rules itself.
 */
export function useCan(action: string, subject: Subject, field?: string): boolean {
  const client = useCoatcheck()
  // A boolean snapshot: the component re-renders only when the answer flips.
  const read = () => client.can(action, subject, field)
  return useSyncExternalStore(client.subscribe, read, read)
}
