import type { DirectiveBinding, ObjectDirective } from 'vue'
import type { Coatcheck, Subject } from '@coatcheck/client'

/** `v-can="['update', article]"` or `v-can="['update', article, 'title']"`. */
export type CanDirectiveValue = readonly [action: string, subject: Subject, field?: string]

/** `v-can`; the `.not` modifier shows the element when the action is NOT allowed. */
export type CanDirective = ObjectDirective<HTMLElement, CanDirectiveValue>

declare module 'vue' {
  interface GlobalDirectives {
    vCan: CanDirective
  }
}

interface Watched {
  binding: DirectiveBinding<CanDirectiveValue>
  display: string
  unsubscribe: () => void
}

/**
 * The `v-can` directive over one client: hides its element (`display: none`, like `v-show`)
 * unless the session may do the action, and follows permission changes. It only hides: the
 * element's code still runs, and the API still enforces every rule.
 */
export function createCanDirective(client: Coatcheck<unknown>): CanDirective {
  const watched = new WeakMap<HTMLElement, Watched>()
  const isShown = ({ value, modifiers }: DirectiveBinding<CanDirectiveValue>) =>
    client.can(value[0], value[1], value[2]) !== Boolean(modifiers.not)
  const apply = (el: HTMLElement, entry: Watched) => {
    el.style.display = isShown(entry.binding) ? entry.display : 'none'
  }
  return {
    beforeMount(el, binding) {
      const display = el.style.display === 'none' ? '' : el.style.display
      const entry: Watched = { binding, display, unsubscribe: () => {} }
      entry.unsubscribe = client.subscribe(() => apply(el, entry))
      watched.set(el, entry)
      apply(el, entry)
    },
    updated(el, binding) {
      const entry = watched.get(el)
      if (!entry) return
      entry.binding = binding
      apply(el, entry)
    },
    unmounted(el) {
      watched.get(el)?.unsubscribe()
      watched.delete(el)
    },
    getSSRProps: (binding) => (isShown(binding) ? {} : { style: { display: 'none' } }),
  }
}
