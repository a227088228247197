import { after, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createSSRApp, defineComponent } from 'vue'
import { renderToString } from 'vue/server-renderer'
import { createCoatcheck, type Coatcheck } from '@coatcheck/client'
import { casl, subject } from '@coatcheck/client/permissions'
import { createCoatcheckPlugin, useCan, useCoatcheck, useSession } from './index.ts'

const clients: Coatcheck<unknown>[] = []
after(() => clients.forEach((client) => client.close()))

// Packed CASL rules: bob may update his own articles, never their `authorId`.
const bob = {
  authenticated: true,
  user: { sub: 'bob', name: 'Bob' },
  expiresAt: 1_900_000_000_000,
  permissions: {
    rules: [
      ['update', 'Article', { authorId: 'bob' }],
      ['update', 'Article', 0, 1, 'authorId'],
    ],
  },
}

function createClient() {
  const calls: string[] = []
  const client = createCoatcheck({
    baseUrl: 'https://bff.example.test',
    events: false,
    broadcastChannelName: `vue-ssr-${Math.random()}`,
    permissions: casl(),
    fetch: async (input) => {
      calls.push(input instanceof Request ? input.url : String(input))
      return Response.json(bob)
    },
  })
  clients.push(client)
  return { client, calls }
}

function render(client: Coatcheck<unknown>, template: string, setup: () => object = () => ({})) {
  const app = createSSRApp(defineComponent({ template, setup }))
  app.use(createCoatcheckPlugin(client))
  return renderToString(app)
}

const article = (authorId: string) => subject('Article', { authorId })

describe('useSession in server-side rendering', () => {
  it('renders loading and sends nothing: the server does not start the client', async () => {
    const { client, calls } = createClient()
    const html = await render(client, '<p>{{ state.status }}</p>', () => useSession())
    assert.equal(html, '<p>loading</p>')
    assert.deepEqual(calls, [])
  })

  it('renders the user of a client refreshed beforehand', async () => {
    const { client } = createClient()
    await client.refresh()
    const html = await render(
      client,
      `<p v-if="state.status === 'authenticated'">{{ state.user.name }}</p>`,
      () => useSession(),
    )
    assert.equal(html, '<p>Bob</p>')
  })
})

describe('v-can and useCan in server-side rendering', () => {
  it('hides the element when not allowed, honours fields and the .not modifier', async () => {
    const { client } = createClient()
    await client.refresh()
    const html = await render(
      client,
      `<div>
        <button v-can="['update', own]">a</button>
        <button v-can="['update', others]">b</button>
        <button v-can="['update', own, 'authorId']">c</button>
        <span v-can.not="['update', others]">d</span>
      </div>`,
      () => ({ own: article('bob'), others: article('alice') }),
    )
    assert.equal(
      html.replace(/>\s+</g, '><'),
      '<div><button>a</button><button style="display:none;">b</button>' +
        '<button style="display:none;">c</button><span>d</span></div>',
    )
  })

  it('answers useCan from the session permissions', async () => {
    const { client } = createClient()
    await client.refresh()
    const html = await render(client, '<p>{{ own }} {{ others }}</p>', () => ({
      own: useCan('update', article('bob')),
      others: useCan('update', () => article('alice')),
    }))
    assert.equal(html, '<p>true false</p>')
  })
})

describe('useCoatcheck', () => {
  it('returns the client the plugin provides', async () => {
    const { client } = createClient()
    let provided: unknown
    await render(client, '<p />', () => {
      provided = useCoatcheck()
      return {}
    })
    assert.equal(provided, client)
  })

  it('throws a clear error without the plugin', async () => {
    const app = createSSRApp(
      defineComponent({ template: '<p />', setup: () => void useCoatcheck() }),
    )
    app.config.warnHandler = () => {}
    await assert.rejects(renderToString(app), /createCoatcheckPlugin/)
  })
})
