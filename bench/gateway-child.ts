// Coatcheck (node:http plus its raw-socket fast path) with one session store, in its own process so that it shares its
// event loop with neither the load generator nor the other targets.
import { once } from 'node:events'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import {
  buildClientRegistration,
  createCoatcheck,
  createMemoryStore,
  type SessionStore,
} from '@coatcheck/core'
import { createTestSession } from '@coatcheck/core/testing'
import { createRedisStore } from '@coatcheck/redis'
import { createSqliteStore } from '@coatcheck/sqlite'
import { createGatewayListener, nodeAesGcm, tuneGarbageCollector } from '@coatcheck/server'
import { serveParent } from './processes.ts'

/** Which store a gateway child uses. */
export type StoreKind = 'memory' | 'cookie' | 'sqlite' | 'redis'

/** What the parent sends to start a gateway child. */
export interface GatewayStart {
  store: StoreKind
  clientId: string
  issuer: string
  audience: string
  upstream: string
  spaUrl: string
  keys: string[]
  /** For `sqlite`: a temp dir; for `redis`: a unique key prefix. */
  storeLocation: string
  refreshSkewSeconds: number
}

async function openStore(start: GatewayStart): Promise<SessionStore | undefined> {
  switch (start.store) {
    case 'memory':
      return createMemoryStore()
    case 'cookie':
      return undefined
    case 'sqlite':
      return createSqliteStore({
        path: join(start.storeLocation, 'sessions.db'),
        keys: start.keys,
        aesGcm: nodeAesGcm,
      })
    case 'redis':
      return createRedisStore({
        redis: 'redis://127.0.0.1:6379',
        keys: start.keys,
        aesGcm: nodeAesGcm,
        keyPrefix: start.storeLocation,
      })
  }
}

// As `startServer` (and so `coatcheck start`) does.
tuneGarbageCollector()
const server = createServer()
server.keepAliveTimeout = 60_000
let store: SessionStore | undefined
let stop = async () => {}

serveParent({
  async start(message) {
    const start = message as unknown as GatewayStart
    server.listen(0, '127.0.0.1')
    await once(server, 'listening')
    const { port } = server.address() as AddressInfo
    store = await openStore(start)
    const coatcheck = createCoatcheck(
      {
        environment: 'development',
        publicUrl: `http://127.0.0.1:${port}`,
        keys: start.keys,
        idp: {
          issuer: start.issuer,
          clientId: start.clientId,
          clientSecret: `${start.clientId}-secret`,
          resource: start.audience,
        },
        spa: { url: start.spaUrl },
        session: { store: start.store === 'cookie' ? 'cookie' : 'memory' },
        tokens: { refreshSkewSeconds: start.refreshSkewSeconds },
        routes: [{ path: '/api', upstream: start.upstream, methods: ['GET', 'POST'] }],
      },
      { aesGcm: nodeAesGcm, ...(store ? { store } : {}) },
    )
    await coatcheck.ready()
    const listener = createGatewayListener(coatcheck)
    server.on('request', listener)
    listener.serveConnections(server)
    stop = async () => {
      server.closeAllConnections()
      await listener.close()
      await coatcheck.close()
    }
    return { type: 'ready', port, registration: buildClientRegistration(coatcheck.config) }
  },
  // Live sessions besides the benchmark's own, as a login would create them.
  async seed(message) {
    if (!store) throw new Error(`the ${message['store']} store cannot be seeded`)
    const count = Number(message['count'])
    for (let done = 0; done < count; done += 1000) {
      const batch = Math.min(1000, count - done)
      await Promise.all(
        Array.from({ length: batch }, () => store?.set(createTestSession(), 8 * 3600)),
      )
    }
    return { type: 'seeded', count }
  },
})

process.on('SIGTERM', () => {
  // A normal exit, so that `--cpu-prof` writes its profile.
  void stop().finally(() => process.exit(0))
})
