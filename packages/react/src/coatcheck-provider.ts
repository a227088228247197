import { createContext, createElement, useContext, type ReactElement, type ReactNode } from 'react'
import type { Coatcheck } from '@coatcheck/client'

const CoatcheckContext = createContext<Coatcheck<unknown> | null>(null)

export interface CoatcheckProviderProps {
  /** The client from `createCoatcheck()`, created once for the app (outside components). */
  client: Coatcheck<unknown>
  children?: ReactNode
}

/** Makes a Coatcheck client available to `useSession()`, `useCan()` and `<Can>` below it. */
export function CoatcheckProvider({ client, children }: CoatcheckProviderProps): ReactElement {
  return createElement(CoatcheckContext.Provider, { value: client }, children)
}

/**
 * The client of the nearest `<CoatcheckProvider>`, for `fetch()`, `login()` or `ability`.
 * Pass the ability type to get it typed: `useCoatcheck<MongoAbility>().ability`.
 */
export function useCoatcheck<A = unknown>(): Coatcheck<A> {
  const client = useContext(CoatcheckContext)
  if (!client)
    throw new TypeError('useCoatcheck() needs a <CoatcheckProvider client={...}> above it')
  return client as Coatcheck<A>
}
