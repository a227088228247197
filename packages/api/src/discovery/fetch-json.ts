import { AuthFailure } from '../errors/internal/auth-failure.ts'

/** What a call to the authorization server needs. */
export interface ServerCallOptions {
  readonly fetch: typeof fetch
  readonly timeoutMs: number
}

/**
 * Calls the authorization server and parses a JSON object answer. Any failure (network,
 * timeout, non-2xx, not JSON) becomes `idp_unavailable`: the request is refused (fail
 * closed) with 503, because the caller's token may well be fine.
 */
export async function fetchJson(
  options: ServerCallOptions,
  url: string,
  init: RequestInit = {},
): Promise<Record<string, unknown>> {
  let body: unknown
  try {
    const response = await options.fetch(url, {
      ...init,
      headers: { accept: 'application/json', ...init.headers },
      // Never follow redirects: the answer must come from the URL that was configured or
      // discovered, not from wherever a compromised hop points.
      redirect: 'error',
      signal: AbortSignal.timeout(options.timeoutMs),
    })
    if (!response.ok) {
      await response.body?.cancel()
      throw new Error(`HTTP ${response.status} from ${new URL(url).origin}`)
    }
    body = await response.json()
  } catch (cause) {
    throw new AuthFailure('idp_unavailable', { cause })
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new AuthFailure('idp_unavailable', { cause: new Error('answer is not a JSON object') })
  }
  return body as Record<string, unknown>
}
