// The log sweep (G-05): after the whole test run, every log line any gateway (or the core
// harness) wrote is searched for every secret the run produced: the tokens and codes the dev
// IdP issued, the client secrets registered there, the cookie values test clients received.
import { existsSync, readFileSync } from 'node:fs'

/** A secret found in a log line: its kind and where, never its value. */
export interface SweepFinding {
  kind: string
  /** The test file (entry script) that wrote the line, and the line's number in the log. */
  entry: string
  line: number
}

/** What the sweep read and found. */
export interface SweepResult {
  findings: SweepFinding[]
  /** Log lines per entry script, to show which suites were swept. */
  linesByEntry: Map<string, number>
  secretCount: number
}

// Secrets are base64url, JWTs or sealed cookies: runs of these characters separated by `.`
// or `~`. A log line is cut into such runs and each run looked up in an index of the
// secrets' runs, so the sweep stays linear in the log's size (a secret glued to other
// base64url characters would escape it; no encoding a log uses does that).
const RUN = /[A-Za-z0-9_-]{16,}/g

/** Reads the secrets file (JSON lines `{ kind, value }`) and sweeps the log file. */
export function sweepLogs(logFile: string, secretsFile: string): SweepResult {
  const secrets = readJsonLines(secretsFile) as { kind: string; value: string }[]
  // Each secret is indexed by its longest run: for a JWT the signature, unique to it.
  const index = new Map<string, { kind: string; value: string }[]>()
  for (const secret of secrets) {
    const runs = secret.value.match(RUN) ?? []
    const key = runs.reduce((longest, run) => (run.length > longest.length ? run : longest), '')
    if (key === '') continue
    index.set(key, [...(index.get(key) ?? []), secret])
  }
  const findings: SweepFinding[] = []
  const linesByEntry = new Map<string, number>()
  const lines = existsSync(logFile) ? readFileSync(logFile, 'utf8').split('\n') : []
  lines.forEach((text, at) => {
    if (text === '') return
    const entry = entryOf(text)
    linesByEntry.set(entry, (linesByEntry.get(entry) ?? 0) + 1)
    const kinds = new Set<string>()
    for (const run of text.match(RUN) ?? []) {
      for (const secret of index.get(run) ?? []) {
        if (text.includes(secret.value)) kinds.add(secret.kind)
      }
    }
    for (const kind of kinds) findings.push({ kind, entry, line: at + 1 })
  })
  return { findings, linesByEntry, secretCount: index.size }
}

function entryOf(text: string): string {
  try {
    const { entry } = JSON.parse(text) as { entry?: unknown }
    return typeof entry === 'string' ? entry : '(unknown)'
  } catch {
    return '(not JSON)'
  }
}

function readJsonLines(file: string): unknown[] {
  if (!existsSync(file)) return []
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as unknown)
}
