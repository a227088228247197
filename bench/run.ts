// `npm run bench [-- --quick]`: every target side by side in one run, on 127.0.0.1 only.
// See bench/README.md for what it needs and how to read the tables.
import { spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  writeFileSync,
} from 'node:fs'
import { cpus, totalmem, release } from 'node:os'
import { delimiter, join } from 'node:path'
import { startDevIdp, type DevIdp } from '@coatcheck/dev-idp'
import { Redis } from 'ioredis'
import * as prettier from 'prettier'
import { API_AUDIENCE } from '../packages/core/test/support/harness.ts'
import {
  summariseByComponent,
  summariseProfile,
  type CpuProfile,
  type SelfTime,
} from './cpu-profile.ts'
import type { StoreKind } from './gateway-child.ts'
import {
  logInAgain,
  spaHeaders,
  startGateway,
  type GatewayOptions,
  type Target,
} from './gateway.ts'
import { probe } from './http-probe.ts'
import { startNginx } from './nginx.ts'
import { cleanUp, makeTempDir, onCleanUp, startNodeChild } from './processes.ts'
import { runRefreshStorm } from './refresh-storm.ts'
import {
  renderChart,
  renderMarkdown,
  renderProfileTable,
  replaceGeneratedSection,
  type BenchResults,
  type ScenarioRow,
} from './report.ts'
import { measureMemoryStore, measureRedisSession } from './session-memory.ts'
import { checkLoadRow, type LoadRow, type LoadScenario, type TargetName } from './targets.ts'
import { runWrk, type WrkLoad, type WrkRequest, type WrkResult } from './wrk.ts'
import { measureLoginRate } from './login-rate.ts'

const root = join(import.meta.dirname, '..')
const quick = process.argv.includes('--quick')
/** `--profile`: only the profiled small-GET load, and a longer list of functions. */
const profileOnly = process.argv.includes('--profile')
const STORES: StoreKind[] = ['memory', 'cookie', 'sqlite', 'redis']
const load: WrkLoad = quick
  ? { threads: 2, connections: 50, durationSeconds: 2, warmUpSeconds: 1 }
  : { threads: 2, connections: 50, durationSeconds: 4, warmUpSeconds: 2 }
/**
 * Once per target after it starts, before the first round: a process's first seconds under
 * load are not its steady state. Besides compiling the hot path, V8 sizes its young
 * generation, and the first load of a Coatcheck process promotes more and pauses longer
 * than later ones (docs/benchmarks.md, "Garbage that outlives its call"), beyond what the
 * 2 s warm-up of each load covers. The same for every target.
 */
const firstWarmUpSeconds = quick ? 1 : 5
/**
 * Each target's load runs this many times, in turns with the other targets' (all targets,
 * then all again), and its row is the round with the median req/s: a few seconds of noise
 * on a shared machine then spoil one round of every target instead of the only measurement
 * of one of them. Seven: on the shared 2-core machine one load's req/s moves by ±25 % from
 * the next, whatever the target, so the median of three (or five) rounds could still land
 * 10–15 % off a target's typical round.
 */
const rounds = quick ? 1 : 7
const sizes = quick
  ? {
      memory: [2_000, 10_000],
      scaling: [1_000, 10_000],
      scalingRounds: 1,
      loginSeconds: 2,
      sseSamples: 10,
    }
  : {
      memory: [10_000, 100_000],
      scaling: [1_000, 100_000],
      scalingRounds: 5,
      loginSeconds: 10,
      sseSamples: 50,
    }

/** An executable from PATH or the usual Debian place, or undefined. */
function findTool(name: string): string | undefined {
  const dirs = [...(process.env['PATH'] ?? '').split(delimiter), '/usr/sbin', '/usr/bin']
  return dirs.map((dir) => join(dir, name)).find((path) => existsSync(path))
}

async function checkRedis(): Promise<void> {
  const redis = new Redis('redis://127.0.0.1:6379', {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  })
  try {
    await redis.connect()
    await redis.ping()
  } catch {
    throw new Error(
      'Redis does not answer at 127.0.0.1:6379: start it (`apt-get install redis-server`).',
    )
  } finally {
    redis.disconnect()
  }
}

const LOADS: { scenario: LoadScenario; path: string; method: 'GET' | 'POST'; bodyBytes: number }[] =
  [
    { scenario: 'small GET', path: '/small', method: 'GET', bodyBytes: 0 },
    { scenario: '64 KiB GET', path: '/large', method: 'GET', bodyBytes: 0 },
    { scenario: '1 MiB POST', path: '/upload', method: 'POST', bodyBytes: 1024 * 1024 },
  ]

function wrkRequest(target: Target, shape: (typeof LOADS)[number]): WrkRequest {
  const extra: Record<string, string> =
    shape.method === 'POST' ? { 'Content-Type': 'application/octet-stream' } : {}
  return {
    url: `${target.base}${shape.path}`,
    method: shape.method,
    headers: spaHeaders(target.cookie, extra),
    bodyBytes: shape.bodyBytes,
  }
}

/** A bare hop in its own process, in front of `upstream` under `/api`. */
async function startHop(name: TargetName, script: string, upstream: string): Promise<Target> {
  const { child, ready } = await startNodeChild(join(import.meta.dirname, script), { upstream })
  const base = `http://127.0.0.1:${String(ready['port'])}/api`
  return { name, base, pid: child.process.pid ?? 0 }
}

/** Loads every target once, unmeasured, for {@link firstWarmUpSeconds} (small GET). */
async function warmUpTargets(wrk: string, targets: Target[], scriptDir: string): Promise<void> {
  const warmUp = { ...load, durationSeconds: firstWarmUpSeconds, warmUpSeconds: 0 }
  for (const target of targets) {
    console.log(`bench: first warm-up → ${target.name}`)
    await runWrk(wrk, warmUp, wrkRequest(target, LOADS[0]!), scriptDir)
  }
}

/** The run with the median req/s (of an odd number of runs, the middle one). */
function medianRun(results: WrkResult[]): WrkResult {
  const sorted = [...results].sort((a, b) => a.requestsPerSecond - b.requestsPerSecond)
  const middle = sorted[Math.floor((sorted.length - 1) / 2)]
  if (!middle) throw new Error('no wrk run to take the median of')
  return middle
}

/** Every load scenario against every target, in rounds of turns, in one run. */
async function runLoads(wrk: string, targets: Target[], scriptDir: string): Promise<LoadRow[]> {
  const rows: LoadRow[] = []
  for (const shape of LOADS) {
    const shapeTargets = targets.filter((target) => !target.getOnly || shape.method === 'GET')
    const measured = []
    for (const target of shapeTargets) {
      await logInAgain(target)
      const request = wrkRequest(target, shape)
      const check = await probe(request.url, request.headers, shape.method)
      if (check.status !== 200) {
        throw new Error(`${target.name} answered ${check.status} to ${shape.scenario}`)
      }
      measured.push({ target, setCookie: check.setCookie, runs: [] as WrkResult[] })
    }
    for (let round = 1; round <= rounds; round++) {
      for (const { target, runs } of measured) {
        await logInAgain(target)
        console.log(`bench: ${shape.scenario} → ${target.name} (round ${round} of ${rounds})`)
        runs.push(await runWrk(wrk, load, wrkRequest(target, shape), scriptDir, [target.pid]))
      }
    }
    const medians = measured.map((each) => ({ ...each, result: medianRun(each.runs) }))
    const direct = medians.find((each) => each.target.name === 'direct')?.result
    const nginx = medians.find((each) => each.target.name === 'nginx')?.result
    if (!direct || !nginx) throw new Error('direct and nginx are measured first')
    for (const { target, setCookie, runs, result } of medians) {
      const row = {
        scenario: shape.scenario,
        target: target.name,
        result,
        rounds: runs.map((run) => run.requestsPerSecond),
        cookieBytes: target.cookie ? Buffer.byteLength(target.cookie) : 0,
        setCookie,
      }
      rows.push({
        ...row,
        vsDirect: result.requestsPerSecond / direct.requestsPerSecond,
        vsNginx: result.requestsPerSecond / nginx.requestsPerSecond,
        checks: checkLoadRow(row, nginx),
      })
    }
  }
  return rows
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)] ?? 0
}

/** Time to the first SSE event through each target (median of fresh connections). */
async function measureSse(targets: Target[]): Promise<ScenarioRow[]> {
  const rows: ScenarioRow[] = []
  for (const target of targets) {
    const times: number[] = []
    for (let i = 0; i < sizes.sseSamples; i++) {
      const answer = await probe(
        `${target.base}/events`,
        spaHeaders(target.cookie, { Accept: 'text/event-stream' }),
      )
      if (answer.status !== 200) throw new Error(`${target.name} answered ${answer.status} to SSE`)
      times.push(answer.firstChunkMs)
    }
    rows.push({
      scenario: `SSE, time to first event, ${target.name}`,
      measured: `${median(times).toFixed(2)} ms median, ${Math.max(...times).toFixed(2)} ms max`,
    })
  }
  return rows
}

/**
 * p50 of the small GET with few and with many live sessions in the memory store: two
 * Coatcheck processes, seeded once, measured in turns (few, many, few, many, …) so that a
 * change in the machine's load hits both alike; the median of each.
 */
async function measureScaling(
  wrk: string,
  gateway: Omit<GatewayOptions, 'store'>,
  scriptDir: string,
): Promise<{ sessions: number; p50Ms: number }[]> {
  const points = []
  for (const sessions of sizes.scaling) {
    const target = await startGateway({
      ...gateway,
      store: 'memory',
      label: `${sessions}-sessions`,
    })
    await target.child.request({ type: 'seed', count: sessions }, 'seeded')
    points.push({ sessions, target, p50: [] as number[] })
  }
  for (let round = 0; round < sizes.scalingRounds; round++) {
    for (const point of points) {
      await logInAgain(point.target)
      point.p50.push(
        (await runWrk(wrk, load, wrkRequest(point.target, LOADS[0]!), scriptDir)).p50Ms,
      )
    }
  }
  for (const point of points) await point.target.child.stop()
  return points.map((point) => ({ sessions: point.sessions, p50Ms: median(point.p50) }))
}

/** Profiles a fresh memory-store Coatcheck under the small-GET load. */
async function profileHotPath(
  wrk: string,
  idp: DevIdp,
  upstream: string,
  keys: string[],
  scriptDir: string,
  top?: number,
): Promise<{ functions: SelfTime[]; components: SelfTime[] }> {
  const dir = makeTempDir('profile')
  const target = await startGateway({
    idp,
    store: 'memory',
    upstream,
    keys,
    label: 'profiled',
    execArgv: ['--cpu-prof', `--cpu-prof-dir=${dir}`],
  })
  await runWrk(wrk, load, wrkRequest(target, LOADS[0]!), scriptDir)
  await target.child.stop()
  const file = readdirSync(dir).find((name) => name.endsWith('.cpuprofile'))
  if (!file) throw new Error('the profiled gateway wrote no profile')
  // Kept for a flame graph: Chrome DevTools (Performance) or speedscope open it.
  copyFileSync(join(dir, file), join(import.meta.dirname, 'results', 'small-get.cpuprofile'))
  const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as CpuProfile
  return {
    functions: summariseProfile(profile, root, top),
    components: summariseByComponent(profile),
  }
}

/** The first line a tool prints for `-v` (nginx and wrk print it on stderr). */
function toolVersion(path: string): string {
  const { stdout, stderr } = spawnSync(path, ['-v'], { encoding: 'utf8' })
  return `${stdout}${stderr}`.trim().split('\n')[0] ?? path
}

function describeMachine(nginx: string, wrk: string): Record<string, string> {
  return {
    cpu: `${cpus()[0]?.model ?? 'unknown'} × ${cpus().length}`,
    memory: `${Math.round(totalmem() / 2 ** 30)} GiB`,
    kernel: release(),
    node: process.version,
    nginx: toolVersion(nginx).replace(/^nginx version: /, ''),
    wrk: toolVersion(wrk).replace(/ Copyright.*$/, ''),
  }
}

async function main(): Promise<void> {
  const nginx = findTool('nginx')
  const wrk = findTool('wrk')
  if (!nginx || !wrk) {
    throw new Error(
      `${[!nginx && 'nginx', !wrk && 'wrk'].filter(Boolean).join(' and ')} not found: ` +
        'install them with `apt-get install nginx wrk` (Debian/Ubuntu).',
    )
  }
  await checkRedis()
  const scriptDir = makeTempDir('wrk')
  const keys = [randomBytes(32).toString('base64url')]

  const { child: upstreamChild, ready: up } = await startNodeChild(
    join(import.meta.dirname, 'upstream-child.ts'),
    {},
  )
  const upstream = `http://127.0.0.1:${String(up['port'])}`
  const proxy = await startNginx(nginx, Number(up['port']))
  const idp = await startDevIdp({
    apis: [{ audience: API_AUDIENCE, scopes: ['demo:read'] }],
    // Long enough that no refresh (and no cookie-store rotation) happens during the loads.
    ttl: { accessToken: 3600 },
  })
  onCleanUp(() => idp.close())
  if (profileOnly) {
    const profile = await profileHotPath(wrk, idp, upstream, keys, scriptDir, 40)
    console.log(`\n${renderProfileTable(profile.components)}\n`)
    console.log(`\n${renderProfileTable(profile.functions)}\n`)
    return
  }

  const targets: Target[] = [
    { name: 'direct', base: upstream, pid: upstreamChild.process.pid ?? 0 },
    { name: 'nginx', base: `http://127.0.0.1:${proxy.port}/api`, pid: proxy.pid },
  ]
  targets.push(await startHop('node', 'node-hop-child.ts', upstream))
  targets.push({ ...(await startHop('relay', 'relay-hop-child.ts', upstream)), getOnly: true })
  for (const store of STORES) targets.push(await startGateway({ idp, store, upstream, keys }))
  const byName = (name: TargetName) => targets.find((target) => target.name === name)!

  await warmUpTargets(wrk, targets, scriptDir)
  const loads = await runLoads(wrk, targets, scriptDir)
  console.log('bench: SSE')
  const scenarios: ScenarioRow[] = await measureSse(
    ['direct', 'nginx', 'memory'].map((name) => byName(name as TargetName)),
  )

  console.log('bench: login flows')
  const logins = await measureLoginRate(
    byName('memory').base.replace(/\/api$/, ''),
    sizes.loginSeconds,
  )
  scenarios.push({
    scenario: 'full login flows through the dev IdP (memory store)',
    measured: `${logins.perSecond.toFixed(1)} logins/s (${logins.concurrency} at a time, ${logins.failures} failed)`,
  })

  console.log('bench: refresh storm')
  const shortIdp = await startDevIdp({
    apis: [{ audience: API_AUDIENCE, scopes: ['demo:read'] }],
    ttl: { accessToken: 2 },
  })
  onCleanUp(() => shortIdp.close())
  const stormTarget = await startGateway({
    idp: shortIdp,
    store: 'memory',
    upstream,
    keys,
    label: 'storm',
    refreshSkewSeconds: 0,
  })
  const storm = await runRefreshStorm(
    shortIdp,
    `${stormTarget.base}/small`,
    spaHeaders(stormTarget.cookie),
    2,
  )
  await stormTarget.child.stop()
  scenarios.push({
    scenario: `refresh storm: ${storm.calls} parallel calls after expiry`,
    measured:
      `${storm.refreshes} refresh(es), ${storm.ok}/${storm.calls} ok, all back in ${storm.allReturnedMs.toFixed(1)} ms, ` +
      `spread ${storm.spreadMs.toFixed(1)} ms (IdP round trip ${storm.idpRoundTripMs.toFixed(1)} ms)`,
    check: {
      target: 'exactly 1 refresh; spread ≤ IdP round trip + 50 ms',
      pass:
        storm.refreshes === 1 &&
        storm.ok === storm.calls &&
        storm.spreadMs <= storm.idpRoundTripMs + 50,
    },
  })

  console.log('bench: memory per session')
  const memory = await measureMemoryStore(sizes.memory)
  for (const point of memory) {
    const last = point === memory.at(-1)
    scenarios.push({
      scenario: `memory store, RSS per idle session at ${point.sessions.toLocaleString('en-US')}`,
      measured: `${(point.rssBytesPerSession / 1000).toFixed(2)} kB RSS (${(point.heapBytesPerSession / 1000).toFixed(2)} kB heap)`,
      ...(last && !quick
        ? { check: { target: '≤ 6 kB at 100k', pass: point.rssBytesPerSession <= 6000 } }
        : {}),
    })
  }
  const redisMemory = await measureRedisSession(byName('redis').storeLocation ?? '')
  scenarios.push({
    scenario: 'Redis, `MEMORY USAGE` per session',
    measured:
      `${redisMemory.sessionKeyBytes} B session key + ${redisMemory.indexKeyBytes} B of sid/sub ` +
      `index keys (average over the run's ${redisMemory.sessions} sessions)`,
  })

  console.log('bench: p50 with many live sessions')
  const scaling = await measureScaling(wrk, { idp, upstream, keys }, scriptDir)
  const [few, many] = scaling
  if (few && many) {
    scenarios.push({
      scenario: `small GET p50, ${few.sessions.toLocaleString('en-US')} vs ${many.sessions.toLocaleString('en-US')} live sessions (memory store)`,
      measured: `${few.p50Ms.toFixed(2)} ms vs ${many.p50Ms.toFixed(2)} ms (median of ${sizes.scalingRounds} runs each, in turns)`,
      ...(quick ? {} : { check: { target: 'within 10 %', pass: many.p50Ms <= few.p50Ms * 1.1 } }),
    })
  }

  console.log('bench: profile')
  const profile = await profileHotPath(wrk, idp, upstream, keys, scriptDir)

  const results: BenchResults = {
    date: new Date().toISOString(),
    mode: quick ? 'quick' : 'full',
    machine: describeMachine(nginx, wrk),
    load: { ...load, rounds, firstWarmUpSeconds },
    loads,
    scenarios,
    profile: profile.functions,
    profileComponents: profile.components,
    raw: { storm, memory, redisMemory, scaling, logins },
  }
  await writeResults(results)
}

/** Writes `text` as the repository's formatter would, so `npm test` stays green. */
async function writeFormatted(path: string, text: string): Promise<void> {
  const options = await prettier.resolveConfig(path)
  writeFileSync(path, await prettier.format(text, { ...options, filepath: path }))
}

/** Prints the tables; a full run also writes latest.json, the chart and the docs section. */
async function writeResults(results: BenchResults): Promise<void> {
  const resultsDir = join(import.meta.dirname, 'results')
  mkdirSync(resultsDir, { recursive: true })
  const section = renderMarkdown(results, '../bench/results/chart.svg')
  console.log(`\n${section}\n`)
  const json = `${JSON.stringify(results, null, 2)}\n`
  if (quick) {
    // Formatted too: `npm test` checks the formatting of every file, ignored or not.
    await writeFormatted(join(resultsDir, 'quick.json'), json)
    console.log('bench: quick run, written to bench/results/quick.json only')
    return
  }
  await writeFormatted(join(resultsDir, 'latest.json'), json)
  writeFileSync(join(resultsDir, 'chart.svg'), renderChart(results))
  const docPath = join(root, 'docs', 'benchmarks.md')
  const doc = existsSync(docPath) ? readFileSync(docPath, 'utf8') : '# Benchmarks\n'
  await writeFormatted(docPath, replaceGeneratedSection(doc, section))
  console.log(
    'bench: written to bench/results/latest.json, bench/results/chart.svg, docs/benchmarks.md',
  )
}

let exitCode = 0
process.once('SIGINT', () => {
  console.error('bench: interrupted, cleaning up')
  void cleanUp().finally(() => process.exit(130))
})
try {
  await main()
} catch (error) {
  console.error('bench: failed:', error instanceof Error ? error.message : error)
  exitCode = 1
} finally {
  await cleanUp()
}
process.exit(exitCode)
