import { request as httpRequest, type IncomingHttpHeaders } from 'node:http'
import { request as httpsRequest } from 'node:https'

/** What a probe saw: the status and headers; the body is read only as far as `maxBody`. */
export interface ProbeResponse {
  readonly status: number
  readonly headers: IncomingHttpHeaders
  readonly setCookies: readonly string[]
  readonly body: string
}

/** Options of {@link sendProbe}. */
export interface ProbeOptions {
  method?: string
  headers?: Record<string, string>
  timeoutMs: number
}

const MAX_BODY = 16_384

/**
 * One request to the deployment, exactly as given: `node:http` rather than `fetch()`, which
 * would add `Sec-Fetch-*` headers of its own and follow redirects.
 */
export function sendProbe(url: URL, options: ProbeOptions): Promise<ProbeResponse> {
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest
  return new Promise((resolve, reject) => {
    const req = send(url, {
      method: options.method ?? 'GET',
      headers: options.headers ?? {},
      timeout: options.timeoutMs,
    })
    req.once('timeout', () => req.destroy(new Error(`no answer within ${options.timeoutMs} ms`)))
    req.once('error', reject)
    req.once('response', (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => {
        if (body.length < MAX_BODY) body += chunk
      })
      res.once('error', reject)
      res.once('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          setCookies: res.headers['set-cookie'] ?? [],
          body,
        }),
      )
    })
    req.end()
  })
}

/** One `Set-Cookie` header split into its name and lower-cased attributes. */
export interface ParsedSetCookie {
  readonly name: string
  readonly attributes: ReadonlyMap<string, string>
}

/** Parses a `Set-Cookie` header's name and attributes; the value is dropped unread. */
export function parseSetCookie(header: string): ParsedSetCookie {
  const [pair = '', ...parts] = header.split(';')
  const name = pair.slice(0, Math.max(0, pair.indexOf('='))).trim()
  const attributes = new Map<string, string>()
  for (const part of parts) {
    const eq = part.indexOf('=')
    const key = (eq === -1 ? part : part.slice(0, eq)).trim().toLowerCase()
    attributes.set(key, eq === -1 ? '' : part.slice(eq + 1).trim())
  }
  return { name, attributes }
}
