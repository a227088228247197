import { shallowRef, type ShallowRef } from 'vue'
import type { Coatcheck, SessionState } from '@coatcheck/client'
import { useCoatcheck } from './coatcheck-plugin.ts'
import { onClientChange } from './internal/on-client-change.ts'

/** `state` follows the client's snapshot; the calls change it. */
export interface UseSessionResult extends Pick<Coatcheck<unknown>, 'login' | 'logout' | 'refresh'> {
  state: Readonly<ShallowRef<SessionState>>
}

/**
 * The session as a shallow ref (the snapshot is immutable, so a shallow ref is all it needs),
 * with `login`, `logout` and `refresh`:
 * `const { state, login } = useSession()`, then `state.status` in the template.
 */
export function useSession(): UseSessionResult {
  const client = useCoatcheck()
  const state = shallowRef(client.getSnapshot())
  onClientChange(client, () => {
    state.value = client.getSnapshot()
  })
  return { state, login: client.login, logout: client.logout, refresh: client.refresh }
}
