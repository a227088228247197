import { useSyncExternalStore } from 'react'

const subscribe = (onChange: () => void) => {
  window.addEventListener('hashchange', onChange)
  return () => window.removeEventListener('hashchange', onChange)
}

/** The page named by the URL fragment (`#/xss-lab`): two pages need no router. */
export function useHashPage(): string {
  return useSyncExternalStore(subscribe, () => location.hash.replace(/^#\/?/, ''))
}
