// The refresh storm: an access token expires while the SPA fires 50 calls at once. Exactly
// one of them may refresh at the IdP; the others must wait for it, not fail or refresh too.
import { setTimeout as sleep } from 'node:timers/promises'
import type { DevIdp } from '@coatcheck/dev-idp'
import { Agent, request } from 'undici'

/** What the storm showed. */
export interface RefreshStormResult {
  calls: number
  ok: number
  refreshes: number
  /** Time until the last of the calls returned. */
  allReturnedMs: number
  fastestMs: number
  slowestMs: number
  spreadMs: number
  /** One refresh round trip to the IdP: a refreshing call minus an ordinary one. */
  idpRoundTripMs: number
}

function refreshCount(idp: DevIdp): number {
  return idp.grants.filter((grant) => grant.grantType === 'refresh_token').length
}

async function timedCall(url: string, headers: Record<string, string>, dispatcher: Agent) {
  const started = performance.now()
  const answer = await request(url, { headers, dispatcher })
  await answer.body.arrayBuffer()
  return { ms: performance.now() - started, ok: answer.statusCode === 200 }
}

/**
 * Waits out the access token (`accessTtlSeconds`), measures one refresh round trip, waits
 * again and fires `calls` parallel calls on separate connections.
 */
export async function runRefreshStorm(
  idp: DevIdp,
  url: string,
  headers: Record<string, string>,
  accessTtlSeconds: number,
  calls = 50,
): Promise<RefreshStormResult> {
  const dispatcher = new Agent({ connections: calls })
  try {
    // Open the connections first, so that the storm measures Coatcheck, not TCP handshakes.
    await Promise.all(Array.from({ length: calls }, () => timedCall(url, headers, dispatcher)))
    const expiry = accessTtlSeconds * 1000 + 1100
    await sleep(expiry)
    const refreshing = await timedCall(url, headers, dispatcher)
    const ordinary = await timedCall(url, headers, dispatcher)
    await sleep(expiry)
    const before = refreshCount(idp)
    const started = performance.now()
    const results = await Promise.all(
      Array.from({ length: calls }, () => timedCall(url, headers, dispatcher)),
    )
    const allReturnedMs = performance.now() - started
    const times = results.map((result) => result.ms)
    const fastestMs = Math.min(...times)
    const slowestMs = Math.max(...times)
    return {
      calls,
      ok: results.filter((result) => result.ok).length,
      refreshes: refreshCount(idp) - before,
      allReturnedMs,
      fastestMs,
      slowestMs,
      spreadMs: slowestMs - fastestMs,
      idpRoundTripMs: Math.max(0, refreshing.ms - ordinary.ms),
    }
  } finally {
    await dispatcher.close()
  }
}
