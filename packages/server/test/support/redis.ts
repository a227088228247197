// A private redis-server for outage tests, on a free port with its data in a temporary
// directory. Never the shared Redis at 6379: other test runs use it at the same time.
import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { connect } from 'node:net'
import type { Cleanup } from './cleanup.ts'
import { freePort } from './free-port.ts'

/** A redis-server this test owns. */
export interface PrivateRedis {
  /** `redis://127.0.0.1:<port>` */
  readonly url: string
  /** Kills the server at once (SIGKILL), as a crash would. */
  kill(): Promise<void>
  /** Starts it again on the same port and data directory. */
  start(): Promise<void>
}

/**
 * Starts `redis-server` on a free port, append-only with an fsync per write, so data
 * written before a crash is there after a restart. Killed when the test ends.
 */
export async function startPrivateRedis(t: Cleanup, dir: string): Promise<PrivateRedis> {
  const port = await freePort()
  let child: ChildProcess | undefined
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir]
  const persistence = ['--appendonly', 'yes', '--appendfsync', 'always', '--save', '']

  const redis: PrivateRedis = {
    url: `redis://127.0.0.1:${port}`,
    async kill() {
      if (!child || child.exitCode !== null) return
      const exited = once(child, 'exit')
      child.kill('SIGKILL')
      await exited
      child = undefined
    },
    async start() {
      child = spawn('redis-server', [...args, ...persistence], { stdio: 'ignore' })
      await untilListening(port, 5000)
    },
  }
  t.after(() => redis.kill())
  await redis.start()
  return redis
}

async function untilListening(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const socket = connect(port, '127.0.0.1')
    try {
      await once(socket, 'connect')
      socket.destroy()
      return
    } catch (error) {
      socket.destroy()
      if (Date.now() > deadline) throw error
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  }
}
