// Reads a `--cpu-prof` profile: self time per function, heaviest first.

/** The parts of a V8 `.cpuprofile` used here. */
export interface CpuProfile {
  nodes: {
    id: number
    callFrame: { functionName: string; url: string; lineNumber: number }
  }[]
  samples: number[]
  timeDeltas: number[]
}

/** One function's share of the samples. */
export interface SelfTime {
  /** `name (file:line)`, the file relative to the repository. */
  frame: string
  selfMs: number
  percent: number
}

/** Where a frame lives, shortened: `packages/core/src/…`, `undici/…`, `node:…`. */
function shortenUrl(url: string, root: string): string {
  if (url === '') return ''
  const path = url.replace(/^file:\/\//, '')
  const modules = path.lastIndexOf('/node_modules/')
  if (modules >= 0) return path.slice(modules + '/node_modules/'.length)
  return path.startsWith(`${root}/`) ? path.slice(root.length + 1) : path
}

/** The `top` functions by self time; `root` is stripped from file paths. */
export function summariseProfile(profile: CpuProfile, root: string, top = 15): SelfTime[] {
  const frames = new Map<number, string>()
  for (const { id, callFrame } of profile.nodes) {
    const name = callFrame.functionName || '(anonymous)'
    const where = shortenUrl(callFrame.url, root)
    frames.set(id, where ? `${name} (${where}:${callFrame.lineNumber + 1})` : name)
  }
  return sumSamples(profile, frames, top)
}

/** Sums the sample time of each label that `labels` gives a node id. */
function sumSamples(profile: CpuProfile, labels: Map<number, string>, top: number): SelfTime[] {
  const microseconds = new Map<string, number>()
  let total = 0
  profile.samples.forEach((id, index) => {
    const delta = profile.timeDeltas[index] ?? 0
    const label = labels.get(id) ?? '(unknown)'
    microseconds.set(label, (microseconds.get(label) ?? 0) + delta)
    total += delta
  })
  return [...microseconds]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([frame, us]) => ({
      frame,
      selfMs: us / 1000,
      percent: total > 0 ? (100 * us) / total : 0,
    }))
}

/** Where a frame belongs, for the summary by component. */
function componentOf(functionName: string, url: string): string {
  if (functionName === '(garbage collector)') return 'garbage collection'
  if (functionName === '(idle)') return 'idle (waiting for the network)'
  if (url === '') return 'native: socket writes and other bindings, V8'
  if (url.includes('/packages/')) return 'Coatcheck (packages/*)'
  if (url.includes('/node_modules/undici/') || url.includes('deps/undici'))
    return 'undici (upstream client)'
  if (/^node:_http|^node:http/.test(url)) return 'node:http (server side)'
  if (url.startsWith('node:')) return 'Node: streams, events, timers, promises, other'
  return 'other JavaScript'
}

/** Self time per component (Coatcheck, undici, node:http, GC, …), heaviest first. */
export function summariseByComponent(profile: CpuProfile): SelfTime[] {
  const components = new Map<number, string>()
  for (const { id, callFrame } of profile.nodes) {
    components.set(id, componentOf(callFrame.functionName, callFrame.url))
  }
  return sumSamples(profile, components, Number.POSITIVE_INFINITY)
}
