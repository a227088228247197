import { isInvalidTokenAnswer, type ProxyPlan, type UpstreamCall } from './proxy-plan.ts'

/**
 * Carries out a plan with `send`, and its one retry when the upstream refuses the token or
 * asks for a DPoP nonce (P-11); the refused answer's body is dropped unread.
 */
export async function sendPlanned(
  plan: ProxyPlan,
  send: (call: UpstreamCall) => Promise<Response>,
): Promise<Response> {
  const response = await send(plan)
  const wwwAuthenticate = response.headers.get('www-authenticate')
  if (!isInvalidTokenAnswer(response.status, wwwAuthenticate)) return response
  const retry = await plan.retry({ wwwAuthenticate, dpopNonce: response.headers.get('dpop-nonce') })
  if (!retry) return response
  await response.body?.cancel()
  return send(retry)
}
