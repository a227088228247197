import { after, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createElement, type ReactNode } from 'react'
import { renderToString } from 'react-dom/server'
import { createCoatcheck, type Coatcheck } from '@coatcheck/client'
import { casl, subject } from '@coatcheck/client/permissions'
import { Can, CoatcheckProvider, useCan, useCoatcheck, useSession } from './index.ts'

const clients: Coatcheck<unknown>[] = []
after(() => clients.forEach((client) => client.close()))

/** A client whose fake Coatcheck answers `session` (or 401) to `GET /auth/session`. */
function createClient(session?: Record<string, unknown>) {
  const client = createCoatcheck({
    baseUrl: 'https://bff.example.test',
    events: false,
    broadcastChannelName: `react-test-${Math.random()}`,
    permissions: casl(),
    fetch: async () =>
      session
        ? Response.json(session)
        : Response.json({ error: 'unauthenticated', message: 'No session.' }, { status: 401 }),
  })
  clients.push(client)
  return client
}

const bob = {
  authenticated: true,
  user: { sub: 'bob', name: 'Bob' },
  expiresAt: 1_900_000_000_000,
  // Packed CASL rules: bob may update his own articles, never their `authorId`.
  permissions: {
    rules: [
      ['update', 'Article', { authorId: 'bob' }],
      ['update', 'Article', 0, 1, 'authorId'],
    ],
  },
}
const bobsArticle = subject('Article', { authorId: 'bob' })
const alicesArticle = subject('Article', { authorId: 'alice' })

function render(client: Coatcheck<unknown>, children: ReactNode) {
  return renderToString(createElement(CoatcheckProvider, { client }, children))
}

function Status() {
  const session = useSession()
  return session.status === 'authenticated'
    ? `signed in as ${String(session.user.name)}`
    : session.status
}

describe('useSession', () => {
  it('renders loading before the session is known', () => {
    assert.equal(render(createClient(bob), createElement(Status)), 'loading')
  })

  it('renders the user once the client knows the session', async () => {
    const client = createClient(bob)
    await client.refresh()
    assert.equal(render(client, createElement(Status)), 'signed in as Bob')
  })

  it('renders anonymous without a session, with login and logout at hand', async () => {
    const client = createClient()
    await client.refresh()
    function Actions() {
      const session = useSession()
      assert.equal(session.login, client.login)
      assert.equal(session.logout, client.logout)
      return session.status
    }
    assert.equal(render(client, createElement(Actions)), 'anonymous')
  })
})

describe('useCan and <Can>', () => {
  it('shows children only when allowed, with CASL conditions and fields', async () => {
    const client = createClient(bob)
    await client.refresh()
    const can = (props: Parameters<typeof Can>[0]) => render(client, createElement(Can, props))
    assert.equal(can({ I: 'update', this: bobsArticle, children: 'Edit' }), 'Edit')
    assert.equal(can({ I: 'update', this: alicesArticle, children: 'Edit' }), '')
    assert.equal(can({ I: 'update', a: 'Article', children: 'Edit' }), 'Edit')
    assert.equal(can({ I: 'update', an: 'Article', field: 'authorId', children: 'x' }), '')
    assert.equal(
      can({ I: 'update', this: alicesArticle, children: 'Edit', fallback: 'Read only' }),
      'Read only',
    )
    assert.equal(can({ I: 'update', this: alicesArticle, not: true, children: 'Locked' }), 'Locked')
  })

  it('denies everything before the session is known', () => {
    const client = createClient(bob)
    function Probe() {
      return String(useCan('update', bobsArticle))
    }
    assert.equal(render(client, createElement(Probe)), 'false')
  })

  it('throws a clear error for <Can> without a subject', async () => {
    const client = createClient(bob)
    assert.throws(() => render(client, createElement(Can, { I: 'update' })), TypeError)
  })
})

describe('useCoatcheck', () => {
  it('returns the provided client', () => {
    const client = createClient(bob)
    function Probe() {
      assert.equal(useCoatcheck(), client)
      return 'ok'
    }
    assert.equal(render(client, createElement(Probe)), 'ok')
  })

  it('throws a clear error outside a provider', () => {
    function Probe() {
      useCoatcheck()
      return null
    }
    assert.throws(() => renderToString(createElement(Probe)), /CoatcheckProvider/)
  })
})
