import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Coatcheck, SessionStore } from '@coatcheck/core'

/** Options of the health endpoints; see {@link createHealthEndpoints}. */
export interface HealthOptions {
  /** Liveness: 200 while the process serves. Default `/healthz`. */
  livePath?: string
  /** Readiness: 200 when every check passes, else 503. Default `/readyz`. */
  readyPath?: string
  /** The session store to probe; without one the store counts as in-process (memory, cookie). */
  store?: SessionStore | undefined
  /** Each check gives up after this long. Default 2000 ms. */
  timeoutMs?: number
  /** How long the result of the JWKS check is reused. Default 10 000 ms. */
  jwksCacheMs?: number
}

/** What `/readyz` answers. */
export interface Readiness {
  status: 'ready' | 'not_ready'
  checks: Record<'idp_metadata' | 'idp_jwks' | 'store', 'ok' | 'failed'>
}

/** Answers a health request and returns `true`, or returns `false` for any other path. */
export type HealthEndpoints = (req: IncomingMessage, res: ServerResponse) => boolean

// A well-formed session id no login ever gets: probing with it reads nothing real.
const PROBE_ID = 'coatcheck-readyz-probe'

/** The liveness and readiness paths `options` give. */
export function healthPaths(options: HealthOptions = {}): [live: string, ready: string] {
  return [options.livePath ?? '/healthz', options.readyPath ?? '/readyz']
}

/**
 * `/healthz` (liveness) and `/readyz` (readiness: the IdP metadata is loaded, its JWKS
 * answers, the session store answers), outside `basePath`, as JSON that is never cached.
 * The JWKS result is cached briefly, so a probe every few seconds does not load the IdP.
 */
export function createHealthEndpoints(
  coatcheck: Coatcheck,
  options: HealthOptions = {},
): HealthEndpoints {
  const [livePath, readyPath] = healthPaths(options)
  const timeoutMs = options.timeoutMs ?? 2000
  const checkJwks = cached(options.jwksCacheMs ?? 10_000, () =>
    isJwksReachable(coatcheck.config.idp.issuer, timeoutMs),
  )
  const { store } = options

  async function readiness(): Promise<Readiness> {
    const [metadata, jwks, storeOk] = await Promise.all([
      succeeds(coatcheck.ready(), timeoutMs),
      checkJwks(),
      store ? succeeds(store.get(PROBE_ID), timeoutMs) : true,
    ])
    const checks = { idp_metadata: metadata, idp_jwks: jwks, store: storeOk }
    const ready = Object.values(checks).every(Boolean)
    return {
      status: ready ? 'ready' : 'not_ready',
      checks: {
        idp_metadata: metadata ? 'ok' : 'failed',
        idp_jwks: jwks ? 'ok' : 'failed',
        store: storeOk ? 'ok' : 'failed',
      },
    }
  }

  return (req, res) => {
    const path = req.url?.split('?', 1)[0]
    if (path !== livePath && path !== readyPath) return false
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      send(req, res, 405, { error: 'method_not_allowed', message: 'Use GET.' })
    } else if (path === livePath) {
      send(req, res, 200, { status: 'ok' })
    } else {
      readiness()
        .then((result) => send(req, res, result.status === 'ready' ? 200 : 503, result))
        .catch(() => res.destroy())
    }
    return true
  }
}

function send(req: IncomingMessage, res: ServerResponse, status: number, body: unknown): void {
  req.resume()
  res.writeHead(status, {
    'content-type': 'application/json',
    // A cached "ready" would keep a load balancer sending traffic to a broken instance.
    'cache-control': 'no-store',
  })
  res.end(req.method === 'HEAD' ? undefined : JSON.stringify(body))
}

/** Whether `operation` settles successfully within `timeoutMs`. */
async function succeeds(operation: Promise<unknown>, timeoutMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs)
  })
  try {
    return await Promise.race([operation.then(() => true), timeout])
  } catch {
    return false
  } finally {
    clearTimeout(timer)
  }
}

/** The IdP's `jwks_uri` answers a JSON key set. */
async function isJwksReachable(issuer: string, timeoutMs: number): Promise<boolean> {
  const getJson = async (url: string) => {
    const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) })
    if (!response.ok) throw new Error(`status ${response.status}`)
    return (await response.json()) as Record<string, unknown>
  }
  try {
    const metadata = await getJson(`${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`)
    const jwksUri = metadata['jwks_uri']
    if (typeof jwksUri !== 'string') return false
    return Array.isArray((await getJson(jwksUri))['keys'])
  } catch {
    return false
  }
}

/** `check`, its result reused for `ttlMs` and concurrent callers sharing one run. */
function cached(ttlMs: number, check: () => Promise<boolean>): () => Promise<boolean> {
  let last: { at: number; result: Promise<boolean> } | undefined
  return () => {
    if (!last || Date.now() - last.at >= ttlMs) last = { at: Date.now(), result: check() }
    return last.result
  }
}
