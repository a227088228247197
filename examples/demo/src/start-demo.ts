import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  buildClientRegistration,
  createCoatcheck,
  parseConfig,
  type Coatcheck,
} from '@coatcheck/core'
import { startDevIdp, type DevIdp, type DevIdpTtl } from '@coatcheck/dev-idp'
import { createGatewayListener } from '@coatcheck/server'
import { buildApps } from './build-apps.ts'
import { createDemoApiListener } from './demo-api.ts'
import { DEMO_API_SCOPE, buildDemoConfig, type DemoUrls } from './demo-config.ts'
import { listenLateBound, type LateBoundServer } from './internal/late-bound-server.ts'
import { createSpaListener } from './spa-server.ts'

/** Ports of the five parts; `0` picks a free one (tests). */
export interface DemoPorts {
  spa: number
  /** The Vue example, on an origin of its own. */
  vue: number
  coatcheck: number
  idp: number
  api: number
}

/** Options of {@link startDemo}. */
export interface StartDemoOptions {
  /** Interface every server binds. Default `127.0.0.1`. */
  host?: string
  /**
   * Host name in every URL. Default `localhost`: the SPA and Coatcheck are then same-site but
   * cross-origin, the "CDN + sibling host" topology.
   */
  hostname?: string
  ports?: Partial<DemoPorts>
  /** Token and session lifetimes at the development identity provider. */
  idpTtl?: DevIdpTtl
  /** Default `memory`. */
  sessionStore?: 'memory' | 'cookie'
  /** No log lines (tests). */
  quiet?: boolean
  /**
   * Where the SPA and the Vue example are built. Default: a temporary folder, removed on
   * `close()`. `npm start` builds into `examples/demo/dist`.
   */
  outDir?: string
}

/** A running demo. */
export interface Demo {
  readonly urls: DemoUrls
  readonly idp: DevIdp
  readonly coatcheck: Coatcheck
  /** Stops every part. Safe to call twice. */
  close(): Promise<void>
}

/** The ports `npm start` uses. */
export const DEFAULT_PORTS: Readonly<DemoPorts> = {
  spa: 5173,
  vue: 5174,
  coatcheck: 8080,
  idp: 9000,
  api: 9100,
}

/**
 * Starts the whole demo in this process: the SPA ("the CDN") and the Vue example, built with
 * Vite first, Coatcheck, the development identity provider and the demo API. Then the order
 * follows the dependencies: every port first,
 * then the identity provider (which needs Coatcheck's and the API's URLs), then Coatcheck
 * (which needs the issuer), then the API (same), then the SPA (which needs Coatcheck's URL).
 */
export async function startDemo(options: StartDemoOptions = {}): Promise<Demo> {
  const host = options.host ?? '127.0.0.1'
  const hostname = options.hostname ?? 'localhost'
  const ports = { ...DEFAULT_PORTS, ...options.ports }
  const log = options.quiet ? () => {} : (line: string) => console.log(line)
  const onError = options.quiet ? () => {} : (error: unknown) => console.error('coatcheck:', error)
  const servers: LateBoundServer[] = []
  const services: { close(): Promise<void> }[] = []
  let closing: Promise<void> | undefined
  // Entry points first, so nothing new arrives; then the services, last started first.
  const close = () =>
    (closing ??= (async () => {
      await Promise.all(servers.map((server) => server.close()))
      for (const service of [...services].reverse()) await service.close()
    })())

  try {
    const outDir = options.outDir ?? (await mkdtemp(join(tmpdir(), 'coatcheck-demo-')))
    if (!options.outDir)
      services.push({ close: () => rm(outDir, { recursive: true, force: true }) })
    const apps = await buildApps(outDir)
    const [spa, vue, gateway, api] = await Promise.all([
      listenLateBound(ports.spa, host),
      listenLateBound(ports.vue, host),
      listenLateBound(ports.coatcheck, host),
      listenLateBound(ports.api, host),
    ])
    servers.push(spa, vue, gateway, api)
    const urls = {
      spa: `http://${hostname}:${spa.port}`,
      vue: `http://${hostname}:${vue.port}`,
      coatcheck: `http://${hostname}:${gateway.port}`,
      api: `http://${hostname}:${api.port}`,
    }

    const idp = await startDevIdp({
      // `localhost` makes the dev IdP listen on 127.0.0.1 and name itself http://localhost:<port>;
      // another host name is only known in advance with a fixed port.
      host: hostname === 'localhost' ? 'localhost' : host,
      port: ports.idp,
      ...(hostname !== 'localhost' && ports.idp !== 0
        ? { issuer: `http://${hostname}:${ports.idp}` }
        : {}),
      apis: [{ audience: urls.api, scopes: [DEMO_API_SCOPE] }],
      ...(options.idpTtl ? { ttl: options.idpTtl } : {}),
    })
    services.push(idp)

    const config = parseConfig(
      buildDemoConfig({ urls, issuer: idp.issuer, sessionStore: options.sessionStore ?? 'memory' }),
    )
    await idp.registerClient(buildClientRegistration(config))
    const coatcheck = createCoatcheck(config, { onError })
    services.push(coatcheck)
    await coatcheck.ready()
    gateway.serve(createGatewayListener(coatcheck, { onError }))

    api.serve(createDemoApiListener({ issuer: idp.issuer, audience: urls.api, log }))
    spa.serve(await createSpaListener({ root: apps.spa, coatcheckUrl: urls.coatcheck }))
    vue.serve(await createSpaListener({ root: apps.vue, coatcheckUrl: urls.coatcheck }))

    return { urls: { ...urls, idp: idp.issuer }, idp, coatcheck, close }
  } catch (error) {
    await close()
    throw error
  }
}
