// The parent's side of a Coatcheck target: starts a gateway child with one store, registers
// its client at the dev IdP and logs in for a real session cookie.
import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import type { ClientMetadata, DevIdp } from '@coatcheck/dev-idp'
import { API_AUDIENCE, SPA_ORIGIN, SPA_URL } from '../packages/core/test/support/harness.ts'
import type { GatewayStart, StoreKind } from './gateway-child.ts'
import { cookieHeader, loginOverHttp } from './login.ts'
import { makeTempDir, onCleanUp, startNodeChild, type NodeChild } from './processes.ts'
import { deleteRedisKeys } from './session-memory.ts'
import type { TargetName } from './targets.ts'

/** Headers of an SPA `fetch()` with credentials; the same for every target. */
export function spaHeaders(cookie: string | undefined, extra: Record<string, string> = {}) {
  return {
    Accept: 'application/json',
    Origin: SPA_ORIGIN,
    'Sec-Fetch-Site': 'same-site',
    'Sec-Fetch-Mode': 'cors',
    'Sec-Fetch-Dest': 'empty',
    'X-CSRF': '1',
    ...(cookie ? { Cookie: cookie } : {}),
    ...extra,
  }
}

export interface Target {
  name: TargetName
  /** Base URL that the upstream path follows: `…/api` for proxies. */
  base: string
  cookie?: string
  /** A Coatcheck target's own origin, where it logs in. */
  origin?: string
  /** The process whose CPU time is measured: the proxy hop, or the upstream for `direct`. */
  pid: number
  child?: NodeChild
  /** Redis key prefix of the `redis` target. */
  storeLocation?: string
  /** Takes only bodiless GETs (the `relay` floor): left out of the upload scenario. */
  getOnly?: boolean
}

export interface GatewayOptions {
  idp: DevIdp
  store: StoreKind
  upstream: string
  keys: string[]
  refreshSkewSeconds?: number
  execArgv?: string[]
  label?: string
}

export async function startGateway(
  options: GatewayOptions,
): Promise<Target & { child: NodeChild }> {
  const clientId = `bench-${options.label ?? options.store}`
  let storeLocation = ''
  if (options.store === 'sqlite') storeLocation = makeTempDir('sqlite')
  if (options.store === 'redis') {
    storeLocation = `coatcheck-bench:${randomBytes(6).toString('hex')}:`
    onCleanUp(() => deleteRedisKeys(storeLocation))
  }
  const start: GatewayStart = {
    store: options.store,
    clientId,
    issuer: options.idp.issuer,
    audience: API_AUDIENCE,
    upstream: options.upstream,
    spaUrl: SPA_URL,
    keys: options.keys,
    storeLocation,
    refreshSkewSeconds: options.refreshSkewSeconds ?? 30,
  }
  const { child, ready } = await startNodeChild(
    join(import.meta.dirname, 'gateway-child.ts'),
    { ...start },
    options.execArgv,
  )
  await options.idp.registerClient(ready['registration'] as ClientMetadata)
  const base = `http://127.0.0.1:${String(ready['port'])}`
  return {
    name: options.store,
    base: `${base}/api`,
    cookie: cookieHeader(await loginOverHttp(base)),
    origin: base,
    pid: child.process.pid ?? 0,
    child,
    storeLocation,
  }
}

/**
 * A new login right before a load, so that the cookie is as fresh as a browser's: the cookie
 * store re-issues its cookie when it records activity (at most once a minute), and replaying
 * an older one for a whole load would make every call record it again, which a browser that
 * keeps the new cookie never causes.
 */
export async function logInAgain(target: Target): Promise<void> {
  if (target.origin === undefined) return
  target.cookie = cookieHeader(await loginOverHttp(target.origin))
}
