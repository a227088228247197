// The targets of the benchmark issue, as checks on measured numbers. A target is never
// relaxed here: when one is out of reach, the docs show the profile that says why.
import type { WrkResult } from './wrk.ts'

/**
 * Where a load goes: straight to the upstream, through nginx, through a bare Node hop on
 * node:http and undici (`node`) or on raw sockets (`relay`, the platform's floor), or
 * through Coatcheck with one of its stores.
 */
export type TargetName =
  'direct' | 'nginx' | 'node' | 'relay' | 'memory' | 'cookie' | 'sqlite' | 'redis'

/** A load scenario driven with wrk. */
export type LoadScenario = 'small GET' | '64 KiB GET' | '1 MiB POST'

/** A target from the issue and whether the run met it. */
export interface Check {
  target: string
  pass: boolean
}

/** One scenario against one target: the wrk run with the median req/s of its rounds. */
export interface LoadRow {
  scenario: LoadScenario
  target: TargetName
  result: WrkResult
  /** req/s of every round, in the order they ran. */
  rounds?: number[]
  /** Bytes of Coatcheck cookie in the request's `Cookie` header. */
  cookieBytes: number
  /** Whether an ordinary answer carried `Set-Cookie`. */
  setCookie: boolean
  vsDirect: number
  vsNginx: number
  checks: Check[]
}

const SERVER_SIDE = new Set<TargetName>(['memory', 'sqlite', 'redis'])

/** Small GET req/s ratio to nginx, per store. */
const SMALL_GET_RATIO: Partial<Record<TargetName, number>> = {
  memory: 0.6,
  sqlite: 0.6,
  cookie: 0.5,
  redis: 0.4,
}

/** The checks of one load row, given the nginx row of the same scenario. */
export function checkLoadRow(
  row: Omit<LoadRow, 'checks' | 'vsDirect' | 'vsNginx'>,
  nginx: WrkResult,
): Check[] {
  const checks: Check[] = []
  const ratio = row.result.requestsPerSecond / nginx.requestsPerSecond
  const minimum = SMALL_GET_RATIO[row.target]
  if (row.scenario === 'small GET' && minimum !== undefined) {
    checks.push({ target: `≥ ${minimum} × nginx req/s`, pass: ratio >= minimum })
    if (SERVER_SIDE.has(row.target) && minimum === 0.6) {
      checks.push({ target: 'p99 ≤ 2 × nginx p99', pass: row.result.p99Ms <= 2 * nginx.p99Ms })
    }
  }
  if (row.scenario === '64 KiB GET' && minimum !== undefined) {
    checks.push({ target: '≥ 0.6 × nginx req/s', pass: ratio >= 0.6 })
  }
  if (row.scenario === 'small GET' && SERVER_SIDE.has(row.target)) {
    checks.push({
      target: 'cookie ≤ 120 B up, no Set-Cookie',
      pass: row.cookieBytes <= 120 && !row.setCookie,
    })
  }
  if (row.result.errors > 0) {
    checks.push({ target: 'no errors or non-2xx answers', pass: false })
  }
  return checks
}
