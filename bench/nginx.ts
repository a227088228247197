// nginx as the reference proxy hop: a bare `proxy_pass` with keep-alive to the upstream, no
// session work at all. It runs in the foreground from a temp prefix with its own config.
import { spawn } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { once } from 'node:events'
import { connect } from 'node:net'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { freePort } from '../packages/server/test/support/free-port.ts'
import { makeTempDir, onCleanUp, stopProcess } from './processes.ts'

/**
 * The configuration. One worker: Coatcheck is one Node process with one event loop, so the
 * comparison is per core; on a 2-core machine that also runs wrk and the upstream, a second
 * worker would only compete with them. Responses are buffered in memory (nginx's default
 * mode, never a temp file), uploads streamed as Coatcheck streams them, and nothing is
 * logged to disk.
 */
export function renderNginxConfig(port: number, upstreamPort: number, prefix: string): string {
  return `worker_processes 1;
daemon off;
pid ${join(prefix, 'nginx.pid')};
error_log stderr error;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${join(prefix, 'client-body')};
  proxy_temp_path ${join(prefix, 'proxy')};
  fastcgi_temp_path ${join(prefix, 'fastcgi')};
  uwsgi_temp_path ${join(prefix, 'uwsgi')};
  scgi_temp_path ${join(prefix, 'scgi')};
  keepalive_requests 100000;
  upstream api {
    server 127.0.0.1:${upstreamPort};
    keepalive 64;
  }
  server {
    listen 127.0.0.1:${port};
    client_max_body_size 2m;
    location /api/ {
      proxy_pass http://api/;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_request_buffering off;
      proxy_buffers 16 8k;
      proxy_max_temp_file_size 0;
    }
  }
}
`
}

async function isListening(port: number): Promise<boolean> {
  const socket = connect(port, '127.0.0.1')
  try {
    await once(socket, 'connect')
    return true
  } catch {
    return false
  } finally {
    socket.destroy()
  }
}

async function waitForPort(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await isListening(port))) {
    if (Date.now() > deadline) throw new Error(`nginx did not listen on ${port} in time`)
    await sleep(50)
  }
}

/** Starts nginx in front of the upstream; answers its port and pid. Stopped at clean-up. */
export async function startNginx(
  nginxPath: string,
  upstreamPort: number,
): Promise<{ port: number; pid: number }> {
  const prefix = makeTempDir('nginx')
  const port = await freePort()
  const config = join(prefix, 'nginx.conf')
  writeFileSync(config, renderNginxConfig(port, upstreamPort, prefix))
  // -e: the error log nginx opens before it reads the config goes to stderr too.
  const proc = spawn(nginxPath, ['-p', prefix, '-c', config, '-e', 'stderr'], {
    stdio: ['ignore', 'inherit', 'inherit'],
  })
  onCleanUp(() => stopProcess(proc))
  await waitForPort(port, 5000)
  return { port, pid: proc.pid ?? 0 }
}
