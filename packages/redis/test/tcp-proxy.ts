import { connect, createServer, type AddressInfo, type Socket } from 'node:net'

/** A TCP proxy to Redis on 127.0.0.1, to cut the connection without stopping Redis. */
export interface TcpProxy {
  url: string
  /** Closes the listener and every connection: Redis is unreachable. */
  stop(): Promise<void>
  /** Listens again on the same port: Redis is back. */
  start(): Promise<void>
  /** Keeps connections open but forwards nothing: Redis hangs. */
  freeze(): void
  thaw(): void
}

/** Starts a proxy on 127.0.0.1, port 0, forwarding to `target`. */
export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const sockets = new Set<Socket>()
  let frozen = false
  const server = createServer((client) => {
    const upstream = connect(target.port, target.host)
    for (const socket of [client, upstream]) {
      sockets.add(socket)
      socket.on('close', () => sockets.delete(socket))
      socket.on('error', () => {
        client.destroy()
        upstream.destroy()
      })
    }
    client.on('data', (chunk) => frozen || upstream.write(chunk))
    upstream.on('data', (chunk) => frozen || client.write(chunk))
  })
  const listen = (port: number) =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject)
        resolve()
      })
    })
  await listen(0)
  const { port } = server.address() as AddressInfo
  return {
    url: `redis://127.0.0.1:${port}`,
    stop: () =>
      new Promise((resolve) => {
        server.close(() => resolve())
        for (const socket of sockets) socket.destroy()
      }),
    start: () => listen(port),
    freeze: () => {
      frozen = true
    },
    thaw: () => {
      frozen = false
    },
  }
}
