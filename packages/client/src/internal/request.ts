import { CoatcheckClientError } from '../coatcheck-client-error.ts'

/** How to reach Coatcheck, read once from the options. */
export interface Endpoint {
  /** Absolute, without a trailing slash: `https://bff.example.com` or `https://app.example/bff`. */
  base: string
  origin: string
  csrfName: string
  csrfValue: string
}

/**
 * The request as it goes to Coatcheck: URL resolved against `base`, the session cookie
 * included, the anti-CSRF header set. A cross-site form, link or `<img>` cannot set a custom
 * header, and a cross-origin script cannot either without passing Coatcheck's CORS allowlist:
 * that is what makes the static header a CSRF defence.
 */
export function toCoatcheckRequest(
  endpoint: Endpoint,
  input: RequestInfo | URL,
  init?: RequestInit,
): Request {
  const url = input instanceof Request ? input.url : resolveUrl(endpoint.base, String(input))
  // Credentials and the CSRF header go to Coatcheck only: another origin would receive a
  // request meant for Coatcheck, and its 401s would be misread as "the session ended".
  if (new URL(url).origin !== endpoint.origin) {
    throw new TypeError(
      `coatcheck.fetch() only calls Coatcheck (${endpoint.origin}), not ${url}; use fetch() for other origins`,
    )
  }
  const request = new Request(input instanceof Request ? input : url, init)
  const headers = new Headers(request.headers)
  headers.set(endpoint.csrfName, endpoint.csrfValue)
  return new Request(request, { credentials: 'include', headers })
}

/**
 * `api/todos` and `/api/todos` both mean `{base}/api/todos`, so a base with a path
 * (`https://app.example/bff`) keeps it. `//evil.example/x` has no scheme, so it stays under
 * `base` too instead of becoming a protocol-relative URL to another host.
 */
export function resolveUrl(base: string, input: string): string {
  if (/^[a-z][a-z\d+.-]*:/i.test(input)) return input
  return `${base}/${input.replace(/^\/+/, '')}`
}

/** Turns a failed answer into the SDK's error, keeping Coatcheck's `{ error, message }`. */
export async function readError(response: Response): Promise<CoatcheckClientError> {
  const body = await readJson(response)
  const error = isRecord(body) && typeof body.error === 'string' ? body.error : undefined
  const message = isRecord(body) && typeof body.message === 'string' ? body.message : undefined
  return new CoatcheckClientError(
    error ?? 'unexpected_response',
    message ?? `Coatcheck answered HTTP ${response.status}`,
    response.status,
  )
}

/** Is this 401 Coatcheck's "no session" (and not, say, an API's own 401 passed through)? */
export async function isUnauthenticated(response: Response): Promise<boolean> {
  if (response.status !== 401) return false
  const body = await readJson(response.clone())
  return isRecord(body) && body.error === 'unauthenticated'
}

export function readJson(response: Response): Promise<unknown> {
  return response.json().catch(() => undefined)
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null
}
