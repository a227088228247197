/**
 * `@coatcheck/react`: thin React bindings for `@coatcheck/client`, all on
 * `useSyncExternalStore`.
 */
export {
  CoatcheckProvider,
  useCoatcheck,
  type CoatcheckProviderProps,
} from './coatcheck-provider.ts'
export { useSession, type UseSessionResult } from './use-session.ts'
export { useCan } from './use-can.ts'
export { Can, type CanProps } from './can.ts'
