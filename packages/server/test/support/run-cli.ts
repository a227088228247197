// Runs the `coatcheck` CLI from source in a child process: to completion, or until it
// announces itself.
import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { join } from 'node:path'

const CLI = join(import.meta.dirname, '..', '..', 'src', 'cli.ts')

/** What `coatcheck start` prints once it listens; the first group is its URL. */
export const LISTENING = /listening on (http:\/\/\S+) /

/** What a finished run printed, and its exit code (`null` when killed). */
export interface CliRun {
  code: number | null
  stdout: string
  stderr: string
}

/** Where the process runs: `env`, when given, is its whole environment. */
export interface CliOptions {
  cwd?: string
  env?: Record<string, string>
}

/** Runs `coatcheck <args>` to completion, for at most 30 s. */
export function runCli(args: string[], options: CliOptions = {}): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CLI, ...args],
      { timeout: 30_000, ...options },
      (error, stdout, stderr) => {
        resolve({
          code: error ? (typeof error.code === 'number' ? error.code : null) : 0,
          stdout,
          stderr,
        })
      },
    )
  })
}

/** A long-running `coatcheck` whose standard output has matched. */
export interface RunningCli {
  child: ChildProcess
  match: RegExpExecArray
  /** Everything it printed on standard output so far. */
  output(): string
}

/**
 * Starts `coatcheck <args>` and resolves once its standard output matches `pattern`;
 * rejects, with its standard error, if it exits first. `after` receives the clean-up that
 * kills it if it is still running (`t.after` of the test, or a teardown's).
 */
export async function startCli(
  args: string[],
  pattern: RegExp,
  after: (cleanUp: () => void) => void,
  options: CliOptions = {},
): Promise<RunningCli> {
  const child = spawn(process.execPath, [CLI, ...args], {
    ...options,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
  })
  let stdout = ''
  let stderr = ''
  child.stderr?.on('data', (chunk) => (stderr += String(chunk)))
  const match = await new Promise<RegExpExecArray>((resolve, reject) => {
    child.stdout?.on('data', (chunk) => {
      stdout += String(chunk)
      const found = pattern.exec(stdout)
      if (found) resolve(found)
    })
    child.once('exit', (code) => reject(new Error(`coatcheck exited with ${code}: ${stderr}`)))
  })
  return { child, match, output: () => stdout }
}
