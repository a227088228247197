// Drives a target with wrk: a generated Lua script sets the method, the headers (cookie,
// CSRF header, Fetch Metadata) and the body, and prints one JSON line with the counts and
// latency percentiles when the run is done.
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { cpuSeconds, runCommand } from './processes.ts'

/** The load: the same for every target. */
export interface WrkLoad {
  threads: number
  connections: number
  durationSeconds: number
  warmUpSeconds: number
}

/** One request shape. */
export interface WrkRequest {
  url: string
  method: 'GET' | 'POST'
  headers: Record<string, string>
  /** Body size in bytes (filled with `x`); none when 0. */
  bodyBytes: number
}

/** What one wrk run measured. Latencies in milliseconds. */
export interface WrkResult {
  requests: number
  requestsPerSecond: number
  p50Ms: number
  p99Ms: number
  /** Bytes of one request as wrk sends it: request line, headers and body. */
  bytesUp: number
  /** Bytes read per response: status line, headers and body. */
  bytesDown: number
  /** Socket errors, timeouts and answers other than 2xx/3xx. */
  errors: number
  /**
   * CPU time the measured processes spent per request (user + system), from /proc: steadier
   * than req/s on a machine that also runs other work. Set by {@link runWrk}.
   */
  cpuUsPerRequest?: number
}

const MARKER = 'WRK_RESULT '

/** A Lua string literal; header values here are printable ASCII. */
function luaString(value: string): string {
  if (!/^[\x20-\x7e]*$/.test(value)) throw new TypeError(`not printable ASCII: ${value}`)
  return `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`
}

/** The Lua script for one request shape. */
export function renderWrkScript(request: Omit<WrkRequest, 'url'>): string {
  const lines = [`wrk.method = ${luaString(request.method)}`]
  for (const [name, value] of Object.entries(request.headers)) {
    lines.push(`wrk.headers[${luaString(name)}] = ${luaString(value)}`)
  }
  if (request.bodyBytes > 0) lines.push(`wrk.body = string.rep("x", ${request.bodyBytes})`)
  lines.push(
    'done = function(summary, latency, requests)',
    '  local e = summary.errors',
    '  local errors = e.connect + e.read + e.write + e.status + e.timeout',
    `  io.write(string.format('${MARKER}{"requests":%d,"durationUs":%d,"bytes":%d,' ..`,
    `    '"requestBytes":%d,"errors":%d,"p50Us":%d,"p99Us":%d}\\n',`,
    '    summary.requests, summary.duration, summary.bytes, #wrk.format(), errors,',
    '    latency:percentile(50), latency:percentile(99)))',
    'end',
  )
  return `${lines.join('\n')}\n`
}

/** Reads the line the script's `done` printed. */
export function parseWrkOutput(stdout: string): WrkResult {
  const line = stdout.split('\n').find((text) => text.startsWith(MARKER))
  if (!line) throw new Error(`wrk printed no result line:\n${stdout}`)
  const raw = JSON.parse(line.slice(MARKER.length)) as Record<string, number>
  const requests = raw['requests'] ?? 0
  const seconds = (raw['durationUs'] ?? 0) / 1e6
  return {
    requests,
    requestsPerSecond: seconds > 0 ? requests / seconds : 0,
    p50Ms: (raw['p50Us'] ?? 0) / 1000,
    p99Ms: (raw['p99Us'] ?? 0) / 1000,
    bytesUp: raw['requestBytes'] ?? 0,
    bytesDown: requests > 0 ? (raw['bytes'] ?? 0) / requests : 0,
    errors: raw['errors'] ?? 0,
  }
}

/** Runs a warm-up (discarded), then the measured run, with the CPU time of `pids` in it. */
export async function runWrk(
  wrkPath: string,
  load: WrkLoad,
  request: WrkRequest,
  scriptDir: string,
  pids: number[] = [],
): Promise<WrkResult> {
  const script = join(scriptDir, `load-${Date.now()}-${Math.random().toString(36).slice(2)}.lua`)
  writeFileSync(script, renderWrkScript(request))
  const args = (seconds: number) => [
    `-t${load.threads}`,
    `-c${load.connections}`,
    `-d${seconds}s`,
    '--timeout',
    '5s',
    '-s',
    script,
    request.url,
  ]
  if (load.warmUpSeconds > 0) await runCommand(wrkPath, args(load.warmUpSeconds))
  const cpu = () => pids.reduce((sum, pid) => sum + cpuSeconds(pid), 0)
  const before = cpu()
  const result = parseWrkOutput(await runCommand(wrkPath, args(load.durationSeconds)))
  const used = cpu() - before
  return pids.length > 0 && result.requests > 0
    ? { ...result, cpuUsPerRequest: (used * 1e6) / result.requests }
    : result
}
