import { CoatcheckError } from '../errors/coatcheck-error.ts'
import type { CookieJar } from '../http/cookies.ts'
import type { FlowContext } from '../flows/flow-context.ts'
import {
  connectionListedHeaders,
  isForwardedRequestHeader,
  isForwardedResponseHeader,
} from './forwarded-headers.ts'
import { isReplayable, planProxy, type UpstreamCall } from './proxy-plan.ts'
import { sendPlanned } from './send-planned.ts'
import type { RouteMatch } from './route-match.ts'

/**
 * Forwards an SPA request with the Web `fetch` API: the portable path, for any runtime.
 * The Node server carries out the same plan on its own streaming fast path.
 */
export async function forwardWithFetch(
  request: Request,
  match: RouteMatch,
  context: FlowContext,
  jar: CookieJar,
): Promise<Response> {
  const plan = await planProxy(request, match, context, jar, {
    replayable: isReplayable(request.method, request.body !== null),
  })
  const response = await sendPlanned(plan, (call) => callUpstream(request, call, context))
  const headers = new Headers()
  for (const [name, value] of response.headers) {
    // fetch has decoded the body, so its original encoding and length no longer apply.
    if (name === 'content-encoding' || name === 'content-length') continue
    if (isForwardedResponseHeader(name)) headers.append(name, value)
  }
  return new Response(response.body, { status: response.status, headers })
}

async function callUpstream(request: Request, call: UpstreamCall, context: FlowContext) {
  const connectionListed = connectionListedHeaders(request.headers.get('connection'))
  const headers = new Headers()
  for (const [name, value] of request.headers) {
    if (isForwardedRequestHeader(name, context.config.csrf.headerName, connectionListed)) {
      headers.append(name, value)
    }
  }
  for (const [name, value] of Object.entries(call.headers)) headers.set(name, value)
  // fetch decodes compressed bodies but keeps Content-Encoding: ask for identity instead.
  headers.set('accept-encoding', 'identity')
  try {
    return await fetch(`${call.origin}${call.target}`, {
      method: request.method,
      headers,
      body: request.body,
      // Never follow a redirect with the token attached (P-06): the browser gets the 3xx.
      redirect: 'manual',
      signal: AbortSignal.any([request.signal, AbortSignal.timeout(call.route.timeoutMs)]),
      ...({ duplex: 'half' } as object),
    })
  } catch (cause) {
    const timedOut = cause instanceof DOMException && cause.name === 'TimeoutError'
    const code = timedOut ? 'upstream_timeout' : 'upstream_unavailable'
    context.onEvent({ type: 'upstream_error', route: call.route.path, code })
    throw new CoatcheckError(code, { cause })
  }
}
