import { inject, type App, type InjectionKey, type Plugin } from 'vue'
import type { Coatcheck } from '@coatcheck/client'
import { createCanDirective } from './can-directive.ts'

const COATCHECK: InjectionKey<Coatcheck<unknown>> = Symbol('coatcheck')

/**
 * The Vue plugin: `app.use(createCoatcheckPlugin(coatcheck))` provides the client to
 * `useSession()`, `useCan()` and `useCoatcheck()`, and registers the `v-can` directive.
 */
export function createCoatcheckPlugin(client: Coatcheck<unknown>): Plugin {
  return {
    install(app: App) {
      app.provide(COATCHECK, client)
      app.directive('can', createCanDirective(client))
    },
  }
}

/**
 * The client the plugin provides, for `fetch()`, `login()` or `ability`; call it in `setup`.
 * Pass the ability type to get it typed: `useCoatcheck<MongoAbility>().ability`.
 */
export function useCoatcheck<A = unknown>(): Coatcheck<A> {
  const client = inject(COATCHECK, null)
  if (!client) {
    throw new TypeError('useCoatcheck() needs app.use(createCoatcheckPlugin(client)) and a setup()')
  }
  return client as Coatcheck<A>
}
