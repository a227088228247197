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
import { toClientHeaders, toUpstreamHeaders } from './proxy-headers.ts'
import { toRawHead, writeRawResponse, writeRawStatus } from './raw-response.ts'
import { BAD_REQUEST } from './send-response.ts'

/** A listener for the `node:http` server's `'upgrade'` event. */
export type UpgradeListener = (req: IncomingMessage, socket: Duplex, head: Buffer) => void

/** What {@link createUpgradeProxy} needs. */
export interface UpgradeProxyOptions {
  coatcheck: Coatcheck
  trustProxy: boolean
  onError: (error: unknown) => void
}

/** The WebSocket proxy: a listener, and a way to end every tunnel it holds. */
export interface UpgradeProxy {
  readonly upgrade: UpgradeListener
  /** Refuses new handshakes and destroys every open socket, both sides. */
  close(): void
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
    const headers = toUpstreamHeaders(req, plan.headers, headerOptions)
    headers.push('connection', 'Upgrade', 'upgrade', 'websocket')
    const send = plan.url.protocol === 'https:' ? httpsRequest : httpRequest
    const upstreamReq = send(plan.url, { method: 'GET', headers, agent: false })

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
      splice(socket, upstream)
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
    close() {
      closed = true
      for (const socket of open) socket.destroy()
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

/** Joins two sockets both ways; either side closing or failing ends both. */
function splice(client: Duplex, upstream: Duplex): void {
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
  client.pipe(upstream)
  upstream.pipe(client)
}
