import { computed, shallowRef, toValue, type ComputedRef, type MaybeRefOrGetter } from 'vue'
import type { Subject } from '@coatcheck/client'
import { useCoatcheck } from './coatcheck-plugin.ts'
import { onClientChange } from './internal/on-client-change.ts'

/**
 * Whether the session's permissions allow `action` on `subject` (and `field`), as a computed
 * ref that follows both the permissions and reactive arguments. For the UI only: the API
 * enforces the same rules itself.
 */
export function useCan(
  action: MaybeRefOrGetter<string>,
  subject: MaybeRefOrGetter<Subject>,
  field?: MaybeRefOrGetter<string | undefined>,
): ComputedRef<boolean> {
  const client = useCoatcheck()
  // The client's answer is not reactive by itself: this counter makes the computed depend
  // on "the permissions changed".
  const changes = shallowRef(0)
  onClientChange(client, () => changes.value++)
  return computed(() => {
    void changes.value
    return client.can(toValue(action), toValue(subject), toValue(field))
  })
}
