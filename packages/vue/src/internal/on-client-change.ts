import { getCurrentInstance, onBeforeUnmount, onMounted, onScopeDispose } from 'vue'
import type { Coatcheck } from '@coatcheck/client'

/**
 * Calls `sync` now and after every change of the client. In a component it subscribes only
 * once mounted, so server-side rendering neither starts the client nor leaks a subscription;
 * elsewhere (a Pinia store, an effect scope) it subscribes at once, until the scope ends.
 */
export function onClientChange(client: Coatcheck<unknown>, sync: () => void): void {
  let unsubscribe: (() => void) | undefined
  const subscribe = () => {
    sync()
    unsubscribe = client.subscribe(sync)
  }
  if (getCurrentInstance()) {
    onMounted(subscribe)
    onBeforeUnmount(() => unsubscribe?.())
  } else {
    subscribe()
    onScopeDispose(() => unsubscribe?.())
  }
}
