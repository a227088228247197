// The React test app bundled for Chromium. Its client talks to a fake Coatcheck inside the
// page (a `fetch` the test drives through `window.coatcheckTest`), so the test watches the
// bindings re-render as the session and its permissions change.
import { createElement, type ReactElement } from 'react'
import { createRoot } from 'react-dom/client'
import { createCoatcheck } from '@coatcheck/client'
import { casl, subject } from '@coatcheck/client/permissions'
import { Can, CoatcheckProvider, useCan, useSession } from '../../src/index.ts'

let session: Record<string, unknown> | null = null
let renders = 0

const coatcheck = createCoatcheck({
  baseUrl: location.origin,
  events: false,
  permissions: casl(),
  fetch: async (input) => {
    const path = new URL(input instanceof Request ? input.url : String(input)).pathname
    if (path === '/auth/session' && session) return Response.json(session)
    return Response.json({ error: 'unauthenticated', message: 'No session.' }, { status: 401 })
  },
})

const testHooks = {
  signIn(rules: unknown[]) {
    session = {
      authenticated: true,
      user: { sub: 'bob', name: 'Bob' },
      expiresAt: 1_900_000_000_000,
      permissions: { rules },
    }
    return coatcheck.refresh().then((state) => state.status)
  },
  /** The session ends on the server; the next API call through the SDK learns it. */
  endOnServer() {
    session = null
    return coatcheck.fetch('/api/articles').then((response) => response.status)
  },
  renders: () => renders,
}
Object.assign(window, { coatcheckTest: testHooks })

const article = subject('Article', { id: 1, authorId: 'bob' })

function Status(): ReactElement {
  const session = useSession()
  const text =
    session.status === 'authenticated'
      ? `signed in as ${String(session.user.name)}`
      : session.status === 'ended'
        ? `ended: ${session.reason}`
        : session.status
  return createElement('p', { id: 'status' }, text)
}

function DeleteProbe(): ReactElement {
  renders++
  return createElement('p', { id: 'can-delete' }, useCan('delete', 'Comment') ? 'yes' : 'no')
}

function App(): ReactElement {
  return createElement(
    CoatcheckProvider,
    { client: coatcheck },
    createElement(Status),
    createElement(
      Can,
      { I: 'update', this: article },
      createElement('button', { id: 'edit' }, 'Edit'),
    ),
    createElement(DeleteProbe),
  )
}

const root = document.getElementById('root')
if (root) createRoot(root).render(createElement(App))
