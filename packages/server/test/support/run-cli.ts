// Runs the `coatcheck` CLI from source in a child process, to completion.
import { execFile } from 'node:child_process'
import { join } from 'node:path'

const CLI = join(import.meta.dirname, '..', '..', 'src', 'cli.ts')

/** What a finished run printed, and its exit code (`null` when killed). */
export interface CliRun {
  code: number | null
  stdout: string
  stderr: string
}

/** Runs `coatcheck <args>`, in `cwd` when given, for at most 30 s. */
export function runCli(args: string[], options: { cwd?: string } = {}): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CLI, ...args],
      { timeout: 30_000, ...(options.cwd ? { cwd: options.cwd } : {}) },
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
