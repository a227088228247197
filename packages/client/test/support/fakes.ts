// Fakes for the client's unit tests: a fake Coatcheck behind a fake `fetch`, a fake
// BroadcastChannel that delivers between instances of one process, a fake `location`, and
// storage traps that record any touch.

/** A fake Coatcheck: the `fetch` the SDK is given, and what it received. */
export interface FakeCoatcheck {
  fetch: typeof fetch
  requests: Request[]
  /** The body `GET /auth/session` answers, or `null` for 401. */
  session: Record<string, unknown> | null
  /** Answers for other paths: `(request) => Response`, checked before the defaults. */
  routes: Map<string, (request: Request) => Response | Promise<Response>>
}

export const BASE = 'https://bff.example.test'

export function aliceSession(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    authenticated: true,
    user: { sub: 'alice', name: 'Alice', roles: ['editor'] },
    expiresAt: 1_900_000_000_000,
    ...extra,
  }
}

export function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json' },
  })
}

export function createFakeCoatcheck(
  session: Record<string, unknown> | null = aliceSession(),
): FakeCoatcheck {
  const fake: FakeCoatcheck = {
    requests: [],
    session,
    routes: new Map(),
    fetch: async (input, init) => {
      const request = new Request(input, init)
      fake.requests.push(request)
      const path = new URL(request.url).pathname
      const route = fake.routes.get(path)
      if (route) return route(request)
      if (path === '/auth/session') {
        return fake.session
          ? json(fake.session)
          : json({ error: 'unauthenticated', message: 'No session.' }, 401)
      }
      if (path === '/auth/logout') {
        fake.session = null
        return json({ logoutUrl: 'https://idp.example.test/logout?state=s' })
      }
      if (path === '/auth/events') return json({ error: 'not_found', message: 'No.' }, 404)
      return fake.session
        ? json({ ok: true })
        : json({ error: 'unauthenticated', message: 'No session.' }, 401)
    },
  }
  return fake
}

/** Lets queued microtasks and I/O callbacks run (no timers involved). */
export async function flush(rounds = 5): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise((resolve) => setImmediate(resolve))
}

/**
 * Waits until `condition` holds by yielding to the event loop (no timers, so it works under
 * `mock.timers` too); fails after `limitMs` of wall-clock time.
 */
export async function until(condition: () => boolean, limitMs = 2_000): Promise<void> {
  const deadline = Date.now() + limitMs
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await new Promise((resolve) => setImmediate(resolve))
  }
}

/**
 * Delivers between instances of the same name, never to the sender, asynchronously: like
 * the browser's BroadcastChannel between tabs.
 */
export class FakeBroadcastChannel {
  static readonly open = new Set<FakeBroadcastChannel>()
  static readonly sent: { name: string; data: unknown }[] = []
  onmessage: ((event: MessageEvent) => void) | null = null
  readonly name: string

  constructor(name: string) {
    this.name = name
    FakeBroadcastChannel.open.add(this)
  }

  postMessage(data: unknown) {
    FakeBroadcastChannel.sent.push({ name: this.name, data })
    const copy: unknown = structuredClone(data)
    for (const other of FakeBroadcastChannel.open) {
      if (other === this || other.name !== this.name) continue
      queueMicrotask(() => other.onmessage?.(new MessageEvent('message', { data: copy })))
    }
  }

  close() {
    FakeBroadcastChannel.open.delete(this)
  }

  static reset() {
    FakeBroadcastChannel.open.clear()
    FakeBroadcastChannel.sent.length = 0
  }
}

/** Replaces a global for one test; returns the function that puts the original back. */
export function replaceGlobal(name: string, value: unknown): () => void {
  const original = Object.getOwnPropertyDescriptor(globalThis, name)
  Object.defineProperty(globalThis, name, { value, configurable: true, writable: true })
  return () => {
    if (original) Object.defineProperty(globalThis, name, original)
    else Reflect.deleteProperty(globalThis, name)
  }
}

export interface FakeLocation {
  href: string
  assigned: string[]
  assign(url: string | URL): void
}

export function createFakeLocation(
  href = 'https://app.example.test/articles?page=2',
): FakeLocation {
  const location: FakeLocation = {
    href,
    assigned: [],
    assign(url) {
      location.assigned.push(String(url))
    },
  }
  return location
}

/**
 * Installs storage globals whose every property access is recorded: the SDK must not touch
 * any of them (no token, no session, nothing persisted by script).
 */
export function trapStorage(): { touched: string[]; restore: () => void } {
  const touched: string[] = []
  const trap = (name: string) =>
    new Proxy(
      {},
      {
        get(_target, property) {
          touched.push(`${name}.${String(property)}`)
          return undefined
        },
        set(_target, property) {
          touched.push(`${name}.${String(property)}=`)
          return true
        },
      },
    )
  const restores = ['localStorage', 'sessionStorage', 'indexedDB', 'caches', 'cookieStore'].map(
    (name) => replaceGlobal(name, trap(name)),
  )
  restores.push(replaceGlobal('document', trap('document')))
  return { touched, restore: () => restores.forEach((restore) => restore()) }
}
