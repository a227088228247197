// Child processes of one benchmark run: started on 127.0.0.1, each with its own event loop,
// and all stopped (and temp dirs removed) when the run ends, however it ends.
import { fork, spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const cleanups: (() => Promise<void> | void)[] = []

/** Registers a step for {@link cleanUp}; steps run last first. */
export function onCleanUp(step: () => Promise<void> | void): void {
  cleanups.push(step)
}

/** Stops every child and removes every temp dir registered so far. Safe to call twice. */
export async function cleanUp(): Promise<void> {
  while (cleanups.length > 0) {
    try {
      await cleanups.pop()?.()
    } catch (error) {
      console.error('bench: clean-up step failed:', error)
    }
  }
}

/** A temp dir removed at clean-up. */
export function makeTempDir(label: string): string {
  const dir = mkdtempSync(join(tmpdir(), `coatcheck-bench-${label}-`))
  onCleanUp(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

/** Sends SIGTERM, then SIGKILL when the process has not exited within `graceMs`. */
export async function stopProcess(child: ChildProcess, graceMs = 5000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = once(child, 'exit')
  child.kill('SIGTERM')
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs)
  await exited
  clearTimeout(timer)
}

/** A Node child with an IPC channel: send a message, wait for the answer of a given type. */
export interface NodeChild {
  readonly process: ChildProcess
  request<T>(message: Record<string, unknown>, answerType: string): Promise<T>
  stop(): Promise<void>
}

interface Message {
  type: string
  [key: string]: unknown
}

/**
 * Forks `script` with `execArgv` (e.g. `--cpu-prof`), sends it `start`, waits for `ready`;
 * the child is stopped at clean-up if not before.
 */
export async function startNodeChild(
  script: string,
  start: Record<string, unknown>,
  execArgv: string[] = [],
): Promise<{ child: NodeChild; ready: Message }> {
  const proc = fork(script, [], { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
  const child: NodeChild = {
    process: proc,
    request<T>(message: Record<string, unknown>, answerType: string) {
      return new Promise<T>((resolve, reject) => {
        const onMessage = (answer: Message) => {
          if (answer.type === 'error') finish(() => reject(new Error(String(answer['message']))))
          else if (answer.type === answerType) finish(() => resolve(answer as T))
        }
        const onExit = (code: number | null) =>
          finish(() => reject(new Error(`${script} exited with ${code} before ${answerType}`)))
        const finish = (settle: () => void) => {
          proc.off('message', onMessage)
          proc.off('exit', onExit)
          settle()
        }
        proc.on('message', onMessage)
        proc.once('exit', onExit)
        proc.send(message)
      })
    },
    stop: () => stopProcess(proc),
  }
  onCleanUp(() => child.stop())
  const ready = await child.request<Message>({ type: 'start', ...start }, 'ready')
  return { child, ready }
}

/** Runs a command to its end and returns its stdout; rejects on a non-zero exit. */
export async function runCommand(command: string, args: string[]): Promise<string> {
  const proc = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] })
  onCleanUp(() => stopProcess(proc))
  let stdout = ''
  let stderr = ''
  proc.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
  proc.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
  const [code] = (await once(proc, 'exit')) as [number | null]
  if (code !== 0) throw new Error(`${command} exited with ${code}: ${stderr.trim()}`)
  return stdout
}

/** Answers IPC messages in a child: `handlers[type]` gets the message, returns the answer. */
export function serveParent(
  handlers: Record<string, (message: Message) => Promise<Message> | Message>,
): void {
  process.on('message', (message: Message) => {
    const handler = handlers[message.type]
    if (!handler) return
    Promise.resolve()
      .then(() => handler(message))
      .then(
        (answer) => process.send?.(answer),
        (error: unknown) => process.send?.({ type: 'error', message: String(error) }),
      )
  })
  // The parent died or let go: nothing else will stop this process.
  process.on('disconnect', () => process.exit(0))
}

/** Clock ticks per second of /proc/<pid>/stat times: 100 on every Linux port in use. */
const CLOCK_TICKS = 100

/**
 * CPU seconds (user + system) used so far by `pid` and its child processes (nginx's
 * workers), from /proc; 0 where /proc is missing.
 */
export function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // Fields after the command name, which is in parentheses and may contain spaces.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    const own = (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS
    const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
      .split(' ')
      .filter(Boolean)
      .map(Number)
    return own + children.reduce((sum, child) => sum + cpuSeconds(child), 0)
  } catch {
    return 0
  }
}
