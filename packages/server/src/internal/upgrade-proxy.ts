import { request as httpRequest, type IncomingMessage } from 'node:http'
import { request as httpsRequest } from 'node:https'
import type { Duplex } from 'node:stream'
import {
  CoatcheckError,
  toErrorResponse,
  type Coatcheck,
  type PreparedProxy,
  type RequestHead,
} from '@coatcheck/core'
import { toRequestHead } from './node-request-head.ts'
import { forwardedRequest, toClientHeaders, toUpstreamHeaders } from './proxy-headers.ts'
import { toRawHead, writeRawResponse, writeRawStatus } from './raw-response.ts'
import { BAD_REQUEST } from './send-response.ts'
import { FrameGate, GOING_AWAY, closeFrame } from './websocket-frames.ts'

/** A listener for the `node:http` server's `'upgrade'` event. */
export type UpgradeListener = (req: IncomingMessage, socket: Duplex, head: Buffer) => void

/** What {@link createUpgradeProxy} needs. */
export interface UpgradeProxyOptions {
  coatcheck: Coatcheck
  trustProxy: boolean
  onError: (error: unknown) => void
  /** Called with +1 when a tunnel opens and -1 when it closes (a gauge). */
  onTunnel?: (delta: 1 | -1) => void
}

/** The WebSocket proxy: a listener, and a way to end every tunnel it holds. */
export interface UpgradeProxy {
  readonly upgrade: UpgradeListener
  /**
   * Refuses new handshakes, cuts handshakes in progress, and says goodbye on every open
   * tunnel: a close frame 1001 (going away) to both peers, sent between two frames. Resolves
   * when every socket is closed; sockets still open after `graceMs` are destroyed.
   */
  close(graceMs: number): Promise<void>
}

/**
 * Proxies WebSocket handshakes on routes with `websocket: true`, with node:http and raw
 * sockets only. Reads as: check the handshake → let core decide (route, Origin, session,
 * token) → open the upstream handshake with the user's token → on its 101, relay the head
 * and splice the two sockets. Nothing is upgraded before every check has passed.
 *
 * @see https://www.rfc-editor.org/rfc/rfc6455#section-4
 */
export function createUpgradeProxy(options: UpgradeProxyOptions): UpgradeProxy {
  const { coatcheck, trustProxy, onError } = options
  const headerOptions = { csrfHeaderName: coatcheck.config.csrf.headerName, trustProxy }
  const open = new Set<Duplex>()
  const tunnels = new Set<Tunnel>()
  let closed = false

  function track(socket: Duplex): void {
    open.add(socket)
    socket.once('close', () => open.delete(socket))
    // A reset from either peer must end this tunnel, never crash the process.
    socket.on('error', () => socket.destroy())
  }

  async function handshake(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const requestHead = toRequestHead(req, trustProxy)
    if (!requestHead || !isWebSocketHandshake(req)) {
      return writeRawResponse(
        socket,
        new Response(BAD_REQUEST, { status: 400, headers: JSON_HEADERS }),
      )
    }
    // Core checks the route allows WebSockets, the Origin (a handshake cannot carry the CSRF
    // header, so the Origin is the defence against cross-site WebSocket hijacking), and the
    // session; a refusal is written as a plain HTTP answer and the socket closed.
    const prepared = await coatcheck.prepareProxy(requestHead, { replayable: false, upgrade: true })
    if (prepared === undefined) {
      return writeRawResponse(socket, toErrorResponse(new CoatcheckError('not_found'), requestHead))
    }
    if (prepared instanceof Response) return writeRawResponse(socket, prepared)
    if (socket.destroyed || closed) return void socket.destroy()
    connectUpstream(req, socket, head, requestHead, prepared)
  }

  function connectUpstream(
    req: IncomingMessage,
    socket: Duplex,
    head: Buffer,
    requestHead: RequestHead,
    prepared: PreparedProxy,
  ): void {
    const { plan } = prepared
    // Upgrade and Connection are hop-by-hop, so the filter drops them; this hop needs them.
    // The Sec-WebSocket-* headers pass: key, version, protocols and extensions are end to end.
    const headers = toUpstreamHeaders(forwardedRequest(req), plan.headers, headerOptions)
    headers.push('connection', 'Upgrade', 'upgrade', 'websocket')
    const url = new URL(plan.target, plan.origin)
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest
    const upstreamReq = send(url, { method: 'GET', headers, agent: false })

    let settled = false
    const settle = (): boolean => {
      if (settled) return false
      settled = true
      clearTimeout(timer)
      socket.off('close', abandon)
      return true
    }
    const abandon = () => settle() && upstreamReq.destroy()
    const refuseWith = (timedOut: boolean, cause: unknown) => {
      onError(new CoatcheckError(timedOut ? 'upstream_timeout' : 'upstream_unavailable', { cause }))
      const response = coatcheck.upstreamFailure(requestHead, plan.route, timedOut)
      void writeRawResponse(socket, response)
    }
    const timer = setTimeout(() => {
      if (!settle()) return
      upstreamReq.destroy()
      refuseWith(true, new Error('The upstream did not answer the handshake in time.'))
    }, plan.route.timeoutMs)
    socket.once('close', abandon)

    upstreamReq.on('upgrade', (res: IncomingMessage, upstream: Duplex, upstreamHead: Buffer) => {
      track(upstream)
      if (!settle() || closed || socket.destroyed) return void upstream.destroy()
      const responseHeaders = toClientHeaders(res.headers, prepared.responseHeaders())
      socket.write(
        toRawHead(101, ['upgrade', 'websocket', 'connection', 'Upgrade', ...responseHeaders]),
      )
      if (upstreamHead.length > 0) socket.write(upstreamHead)
      if (head.length > 0) upstream.write(head)
      const tunnel = splice(socket, upstream)
      tunnels.add(tunnel)
      options.onTunnel?.(1)
      socket.once('close', () => {
        tunnels.delete(tunnel)
        options.onTunnel?.(-1)
      })
    })
    upstreamReq.on('response', (res: IncomingMessage) => {
      res.resume()
      if (!settle()) return
      relayRefusal(socket, res, prepared)
    })
    // Also catches errors after settling (our own destroy), which need no answer.
    upstreamReq.on('error', (cause) => settle() && refuseWith(false, cause))
    upstreamReq.end()
  }

  return {
    upgrade(req, socket, head) {
      track(socket)
      if (closed) return void socket.destroy()
      handshake(req, socket, head).catch((error: unknown) => {
        onError(error)
        socket.destroy()
      })
    },
    close(graceMs) {
      closed = true
      const spliced = new Set([...tunnels].flatMap((tunnel) => tunnel.sockets))
      for (const socket of open) if (!spliced.has(socket)) socket.destroy()
      for (const tunnel of tunnels) tunnel.goAway()
      const sockets = [...open]
      const timer = setTimeout(() => sockets.forEach((socket) => socket.destroy()), graceMs)
      return Promise.all(sockets.map(whenClosed)).then(() => clearTimeout(timer))
    },
  }
}

const JSON_HEADERS = { 'content-type': 'application/json', 'cache-control': 'no-store' }

/** A GET asking for `Upgrade: websocket` (RFC 6455 §4.2.1); other upgrades are not proxied. */
export function isWebSocketHandshake(req: IncomingMessage): boolean {
  const upgrade = req.headers.upgrade
  return (
    req.method === 'GET' &&
    upgrade !== undefined &&
    upgrade.split(',').some((protocol) => protocol.trim().toLowerCase() === 'websocket')
  )
}

/**
 * The upstream declined the handshake. Its status is relayed (with its filtered headers, no
 * body), like any upstream answer on the HTTP path: a 401, 403 or 404 of the API is the
 * useful diagnosis in the browser's network panel. A 1xx or 2xx other than 101 would claim a
 * handshake that did not happen, so it becomes 502.
 */
function relayRefusal(socket: Duplex, res: IncomingMessage, prepared: PreparedProxy): void {
  const status = res.statusCode ?? 502
  const headers = toClientHeaders(res.headers, prepared.responseHeaders())
  writeRawStatus(socket, status >= 300 ? status : 502, headers)
}

/** A joined pair of sockets. */
interface Tunnel {
  readonly sockets: readonly Duplex[]
  /** Sends both peers a close frame 1001 between two frames, then ends both sockets. */
  goAway(): void
}

function whenClosed(socket: Duplex): Promise<void> {
  if (socket.destroyed) return Promise.resolve()
  return new Promise((resolve) => socket.once('close', () => resolve()))
}

/** Joins two sockets both ways; either side closing or failing ends both. */
function splice(client: Duplex, upstream: Duplex): Tunnel {
  for (const socket of [client, upstream]) {
    // Small frames must go out at once; an idle WebSocket is normal, not a timeout.
    if ('setNoDelay' in socket && typeof socket.setNoDelay === 'function') socket.setNoDelay(true)
    if ('setTimeout' in socket && typeof socket.setTimeout === 'function') socket.setTimeout(0)
  }
  const teardown = () => {
    client.destroy()
    upstream.destroy()
  }
  client.once('close', teardown)
  upstream.once('close', teardown)
  const toUpstream = new FrameGate()
  const toClient = new FrameGate()
  client.pipe(toUpstream).pipe(upstream)
  upstream.pipe(toClient).pipe(client)
  const sayGoodbye = (socket: Duplex, masked: boolean) => () => {
    if (socket.destroyed) return
    socket.end(closeFrame(GOING_AWAY, masked))
  }
  return {
    sockets: [client, upstream],
    goAway() {
      // The browser's side is the server's role (unmasked), the upstream's the client's.
      toClient.stopAtBoundary(sayGoodbye(client, false))
      toUpstream.stopAtBoundary(sayGoodbye(upstream, true))
    },
  }
}
