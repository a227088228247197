import { useMemo, useSyncExternalStore } from 'react'
import type { Coatcheck, SessionState } from '@coatcheck/client'
import { useCoatcheck } from './coatcheck-provider.ts'

/** The session state with the calls that change it, so a component needs one hook. */
export type UseSessionResult = SessionState &
  Pick<Coatcheck<unknown>, 'login' | 'logout' | 'refresh'>

/**
 * The session state, re-rendering on every change:
 * `const session = useSession(); if (session.status === 'authenticated') session.user.name`.
 */
export function useSession(): UseSessionResult {
  const client = useCoatcheck()
  // The client keeps its snapshot stable between changes, as useSyncExternalStore requires;
  // the server snapshot is the same (`loading` unless the client was refreshed first).
  const state = useSyncExternalStore(client.subscribe, client.getSnapshot, client.getSnapshot)
  return useMemo(
    () => ({ ...state, login: client.login, logout: client.logout, refresh: client.refresh }),
    [state, client],
  )
}
