import type { IncomingMessage, ServerResponse } from 'node:http'
import { isReplayable, type Coatcheck } from '@coatcheck/core'
import { Agent } from 'undici'
import { createHttpProxy } from './internal/http-proxy.ts'
import { hasRequestBody, toRequestHead } from './internal/node-request-head.ts'
import { BAD_REQUEST, INTERNAL_ERROR, sendJson, sendResponse } from './internal/send-response.ts'
import { createUpgradeProxy, type UpgradeListener } from './internal/upgrade-proxy.ts'
import { createNodeListener } from './node-adapter.ts'
import { createSpaStatic } from './spa/spa-static.ts'

export type { UpgradeListener }

/** Options of {@link createGatewayListener}. */
export interface GatewayListenerOptions {
  /**
   * Behind a proxy you run: build request URLs from `X-Forwarded-Proto`/`-Host`, and append
   * the peer address to an incoming `X-Forwarded-For` instead of replacing it.
   */
  trustProxy?: boolean
  /**
   * Receives exceptions, upstream failures (as `CoatcheckError` `upstream_unavailable` or
   * `upstream_timeout`, the undici error as `cause`) and failures while streaming. Never a
   * token: the messages are Coatcheck's and undici's own. Default: `console.error`.
   */
  onError?: (error: unknown) => void
}

/**
 * A `node:http` request listener (`http.createServer(listener)`) with the WebSocket
 * listener for the server's `'upgrade'` event and a `close()` for shutdown.
 */
export interface GatewayListener {
  (req: IncomingMessage, res: ServerResponse): void
  /** Attach with `server.on('upgrade', listener.upgrade)` to proxy WebSockets. */
  readonly upgrade: UpgradeListener
  /**
   * Ends every upgraded (WebSocket) connection at once, then closes the upstream pools once
   * their in-flight calls are done. Call it when the server stops accepting: an API call
   * that starts afterwards gets 502 JSON.
   */
  close(): Promise<void>
}

/**
 * Serves Coatcheck from `node:http` with a fast path for API routes: the request is checked
 * from its head (one cookie parse, one store read), then streamed to the upstream through a
 * keep-alive pool per upstream origin (undici), and the answer streamed back without
 * buffering or re-serialising. With `spa.static`, the SPA's files come next. Everything else
 * (auth endpoints, CORS preflights, unknown paths) goes through `coatcheck.handle`.
 *
 * @throws ConfigError when `spa.static` names a folder or entry point that cannot be read.
 */
export function createGatewayListener(
  coatcheck: Coatcheck,
  options: GatewayListenerOptions = {},
): GatewayListener {
  const trustProxy = options.trustProxy === true
  const onError = options.onError ?? reportError
  // The SPA's files when `spa.static` is set (same-origin topology); `undefined` otherwise.
  const spa = createSpaStatic(coatcheck.config)
  // One pool per upstream origin, connections kept alive between calls.
  const agent = new Agent()
  const web = createNodeListener((request) => coatcheck.handle(request), { trustProxy, onError })
  const proxy = createHttpProxy({ coatcheck, dispatcher: agent, trustProxy, onError })
  const upgrades = createUpgradeProxy({ coatcheck, trustProxy, onError })

  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // Origin-form targets only: an absolute-form `GET http://evil.example/api/x` is refused
    // here, before any routing, so the client can never choose the authority (P-01).
    const head = toRequestHead(req, trustProxy)
    if (!head) return sendJson(res, 400, BAD_REQUEST)
    const replayable = isReplayable(head.method, hasRequestBody(req))
    const prepared = await coatcheck.prepareProxy(head, { replayable })
    if (prepared === undefined) {
      if (spa !== undefined && (await spa(req, res))) return
      return web(req, res)
    }
    if (prepared instanceof Response) return sendResponse(req, res, prepared, onError)
    return proxy(req, res, head, prepared)
  }

  const listener = (req: IncomingMessage, res: ServerResponse): void => {
    serve(req, res).catch((error: unknown) => {
      onError(error)
      // The exception's own message may quote an internal address: never send it.
      sendJson(res, 500, INTERNAL_ERROR)
    })
  }
  return Object.assign(listener, {
    upgrade: upgrades.upgrade,
    async close() {
      upgrades.close()
      await agent.close()
    },
  })
}

function reportError(error: unknown): void {
  console.error('coatcheck: a request failed:', error)
}
