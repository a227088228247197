// The floor of a Node relay on raw sockets: a request head read off the socket, sent to the
// upstream over a kept-alive connection, the answer's head and body written back. No
// session, token, CORS or header checks, and only what the benchmark's GETs need
// (bodiless requests, `Content-Length` answers). Not a product: a reference row that shows
// what Node itself costs per call once node:http and undici are out of the way, so the
// distance from it to Coatcheck is Coatcheck's own work.
import { once } from 'node:events'
import { connect, createServer, type AddressInfo, type Socket } from 'node:net'
import { serveParent } from './processes.ts'

const END = Buffer.from('\r\n\r\n')
const idle: Socket[] = []
let upstreamPort = 0

function upstreamSocket(): Socket {
  const pooled = idle.pop()
  if (pooled && !pooled.destroyed) return pooled
  const socket = connect(upstreamPort, '127.0.0.1')
  socket.setNoDelay(true)
  socket.on('error', () => socket.destroy())
  return socket
}

/** Relays one request; `done` when its answer is written. */
function relay(client: Socket, head: string, done: () => void): void {
  const lines = head.split('\r\n')
  const [method, target] = (lines[0] ?? '').split(' ')
  let out = `${method} ${(target ?? '/').replace(/^\/api/, '')} HTTP/1.1\r\nhost: 127.0.0.1\r\n`
  for (const line of lines.slice(1)) {
    if (!/^(host|connection|cookie):/i.test(line)) out += `${line}\r\n`
  }
  const upstream = upstreamSocket()
  let buffer: Buffer | undefined
  let remaining = -1
  const onData = (chunk: Buffer) => {
    if (remaining < 0) {
      buffer = buffer ? Buffer.concat([buffer, chunk]) : chunk
      const end = buffer.indexOf(END)
      if (end < 0) return
      const answerHead = buffer.toString('latin1', 0, end)
      const body = buffer.subarray(end + END.length)
      remaining = Number(/\r\ncontent-length: *(\d+)/i.exec(answerHead)?.[1] ?? 0) - body.length
      client.write(Buffer.concat([Buffer.from(`${answerHead}\r\n\r\n`, 'latin1'), body]))
    } else {
      remaining -= chunk.length
      client.write(chunk)
    }
    if (remaining === 0) {
      upstream.off('data', onData)
      idle.push(upstream)
      done()
    }
  }
  upstream.on('data', onData)
  upstream.write(`${out}\r\n`, 'latin1')
}

const server = createServer((client) => {
  client.setNoDelay(true)
  client.on('error', () => client.destroy())
  let buffer: Buffer | undefined
  let busy = false
  const next = () => {
    const end = buffer?.indexOf(END) ?? -1
    if (busy || !buffer || end < 0) return
    const head = buffer.toString('latin1', 0, end)
    buffer = buffer.length > end + END.length ? buffer.subarray(end + END.length) : undefined
    busy = true
    relay(client, head, () => {
      busy = false
      next()
    })
  }
  client.on('data', (chunk: Buffer) => {
    buffer = buffer ? Buffer.concat([buffer, chunk]) : chunk
    next()
  })
})

serveParent({
  async start(message) {
    upstreamPort = Number(new URL(String(message['upstream'])).port)
    server.listen(0, '127.0.0.1')
    await once(server, 'listening')
    return { type: 'ready', port: (server.address() as AddressInfo).port }
  },
})
process.on('SIGTERM', () => process.exit(0))
