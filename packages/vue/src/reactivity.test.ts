// The bindings mounted for real with a tiny custom renderer (test/support/test-renderer.ts):
// they must follow the client's changes, and let go of it when unmounted.
import { afterEach, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import {
  defineComponent,
  effectScope,
  h,
  nextTick,
  resolveDirective,
  shallowRef,
  withDirectives,
  type Directive,
} from 'vue'
import { createCoatcheck, type Coatcheck } from '@coatcheck/client'
import { casl, subject } from '@coatcheck/client/permissions'
import { createCoatcheckPlugin, useCan, useSession } from './index.ts'
import { byId, createRoot, createTestApp, textOf } from '../test/support/test-renderer.ts'

const UPDATE_OWN = [['update', 'Article', { authorId: 'bob' }]]
const own = subject('Article', { authorId: 'bob' })
const others = subject('Article', { authorId: 'alice' })

let closers: (() => void)[] = []
afterEach(() => {
  closers.forEach((close) => close())
  closers = []
})

/** A client over a fake Coatcheck, counting the subscriptions the bindings hold. */
function createClient() {
  const fake = { rules: UPDATE_OWN as unknown[], signedIn: true }
  const client = createCoatcheck({
    baseUrl: 'https://bff.example.test',
    events: false,
    broadcastChannelName: `vue-reactivity-${Math.random()}`,
    permissions: casl(),
    fetch: async () =>
      fake.signedIn
        ? Response.json({
            authenticated: true,
            user: { sub: 'bob', name: 'Bob' },
            expiresAt: 1_900_000_000_000,
            permissions: { rules: fake.rules },
          })
        : Response.json({ error: 'unauthenticated', message: 'No session.' }, { status: 401 }),
  })
  closers.push(() => client.close())
  const counted = { active: 0 }
  const tracked: Coatcheck<unknown> = {
    ...client,
    subscribe(listener) {
      counted.active++
      const unsubscribe = client.subscribe(listener)
      return () => {
        counted.active--
        unsubscribe()
      }
    },
  }
  return { client: tracked, fake, counted }
}

async function settle() {
  for (let i = 0; i < 5; i++) {
    await new Promise((resolve) => setImmediate(resolve))
    await nextTick()
  }
}

function mount(client: Coatcheck<unknown>, setup: () => () => ReturnType<typeof h>) {
  const app = createTestApp(defineComponent({ setup }))
  app.use(createCoatcheckPlugin(client))
  const root = createRoot('root')
  app.mount(root)
  return { app, root }
}

describe('useSession, mounted', () => {
  it('starts the client on mount and follows its state', async () => {
    const { client, fake } = createClient()
    const { root } = mount(client, () => {
      const { state } = useSession()
      return () =>
        h('p', state.value.status === 'authenticated' ? state.value.user.name : state.value.status)
    })
    assert.equal(textOf(root), 'loading')
    await settle()
    assert.equal(textOf(root), 'Bob')
    fake.signedIn = false
    await client.refresh()
    await nextTick()
    assert.equal(textOf(root), 'ended')
  })

  it('unsubscribes on unmount, directive included', async () => {
    const { client, counted } = createClient()
    const { app } = mount(client, () => {
      const { state } = useSession()
      const allowed = useCan('update', own)
      const can = resolveDirective('can') as Directive
      return () =>
        withDirectives(h('p', `${state.value.status} ${allowed.value}`), [[can, ['read', own]]])
    })
    assert.equal(counted.active, 3)
    app.unmount()
    assert.equal(counted.active, 0)
  })

  it('works outside a component, in an effect scope, until the scope stops', async () => {
    const { client, counted } = createClient()
    const app = createTestApp(defineComponent({ render: () => null }))
    app.use(createCoatcheckPlugin(client))
    const scope = effectScope()
    const session = app.runWithContext(() => scope.run(() => useSession()))
    await client.refresh()
    assert.equal(session?.state.value.status, 'authenticated')
    assert.equal(counted.active, 1)
    scope.stop()
    assert.equal(counted.active, 0)
  })
})

describe('v-can and useCan, mounted', () => {
  it('hides and shows the element as permissions change, keeping its own display', async () => {
    const { client, fake } = createClient()
    const { root } = mount(client, () => {
      const can = resolveDirective('can') as Directive
      return () =>
        withDirectives(h('button', { id: 'edit', style: { display: 'inline-flex' } }, 'Edit'), [
          [can, ['update', own]],
        ])
    })
    const button = () => byId(root, 'edit')?.style.display
    assert.equal(button(), 'none', 'denied before the session is known')
    await settle()
    assert.equal(button(), 'inline-flex')
    fake.rules = []
    await client.refresh()
    assert.equal(button(), 'none')
    fake.rules = UPDATE_OWN
    await client.refresh()
    assert.equal(button(), 'inline-flex')
  })

  it('follows a new directive value and reactive useCan arguments', async () => {
    const { client } = createClient()
    await client.refresh()
    const article = shallowRef<object>(own)
    const { root } = mount(client, () => {
      const can = resolveDirective('can') as Directive
      const allowed = useCan('update', article)
      return () =>
        withDirectives(h('button', { id: 'edit' }, String(allowed.value)), [
          [can, ['update', article.value]],
        ])
    })
    await settle()
    assert.notEqual(byId(root, 'edit')?.style.display, 'none')
    assert.equal(textOf(root), 'true')
    article.value = others
    await nextTick()
    assert.equal(byId(root, 'edit')?.style.display, 'none')
    assert.equal(textOf(root), 'false')
  })
})
