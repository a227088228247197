/**
 * `@coatcheck/vue`: thin Vue bindings for `@coatcheck/client`: a plugin, `useSession()`,
 * `useCan()` and the `v-can` directive.
 */
export { createCoatcheckPlugin, useCoatcheck } from './coatcheck-plugin.ts'
export { useSession, type UseSessionResult } from './use-session.ts'
export { useCan } from './use-can.ts'
export { createCanDirective, type CanDirective, type CanDirectiveValue } from './can-directive.ts'
