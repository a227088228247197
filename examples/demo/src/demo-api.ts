import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http'
import { createRemoteJWKSet, errors, jwtVerify, type JWTPayload } from 'jose'
import { listenLateBound } from './internal/late-bound-server.ts'

/** Options of {@link createDemoApiListener}. */
export interface DemoApiOptions {
  /** Issuer of the access tokens; its discovery document names the JWKS. */
  issuer: string
  /** This API's resource indicator: access tokens must carry it in `aud`. */
  audience: string
  /** Receives one line per refused token (the reason, never the token). */
  log?: (line: string) => void
}

/** Options of {@link startDemoApi}. */
export interface StartDemoApiOptions extends DemoApiOptions {
  /** Default 9100; `0` picks a free port. */
  port?: number
  /** Default `127.0.0.1`. */
  host?: string
}

/** A running demo API. */
export interface DemoApi {
  readonly url: string
  readonly port: number
  close(): Promise<void>
}

const REALM = 'coatcheck-demo'
// token68 (RFC 7235 §2.1), the only form a Bearer credential takes (RFC 6750 §2.1).
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i

/**
 * The demo API's request listener: `GET /whoami` (and `/`) answers who called, after
 * verifying the RFC 9068 JWT access token Coatcheck attached. It is what a real API does:
 * check signature, issuer, audience, type and expiry, and trust nothing else.
 *
 * @see https://www.rfc-editor.org/rfc/rfc9068#section-4
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3
 */
export async function createDemoApiListener(options: DemoApiOptions): Promise<RequestListener> {
  // Discovered once at start-up; jose caches the keys and refetches on an unknown `kid`.
  const jwks = createRemoteJWKSet(await discoverJwksUri(options.issuer))
  const log = options.log ?? (() => {})

  /** The token's claims, or `undefined` when it must be refused. */
  async function verify(token: string): Promise<JWTPayload | undefined> {
    try {
      const { payload } = await jwtVerify(token, jwks, {
        issuer: options.issuer,
        audience: options.audience,
        // `at+jwt` keeps an ID token, signed by the same keys, from passing as an access token.
        typ: 'at+jwt',
        algorithms: ['ES256', 'RS256'],
      })
      return payload
    } catch (error) {
      // Keys that cannot be fetched are our problem, not a bad token: let it become a 503.
      if (!(error instanceof errors.JOSEError) || error instanceof errors.JWKSTimeout) throw error
      log(`demo API: refused an access token (${error.code})`)
      return undefined
    }
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0]
    if (path !== '/' && path !== '/whoami') return sendJson(res, 404, { error: 'not_found' })
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD')
      return sendJson(res, 405, { error: 'method_not_allowed' })
    }
    const token = BEARER.exec(req.headers.authorization ?? '')?.[1]
    if (token === undefined) {
      // RFC 6750 §3.1: a request without credentials gets the challenge, but no error code.
      res.setHeader('www-authenticate', `Bearer realm="${REALM}"`)
      return sendJson(res, 401, { error: 'unauthorized', message: 'Send an access token.' })
    }
    const payload = await verify(token)
    if (payload === undefined) {
      res.setHeader(
        'www-authenticate',
        `Bearer realm="${REALM}", error="invalid_token", error_description="The access token is invalid or expired"`,
      )
      return sendJson(res, 401, {
        error: 'invalid_token',
        message: 'The access token is invalid or expired.',
      })
    }
    sendJson(res, 200, {
      message:
        'Hello from the demo API. Coatcheck sent your access token and it checked out ' +
        '(signature, issuer, audience, type, expiry); your browser never held it.',
      caller: {
        sub: payload.sub,
        roles: payload['roles'] ?? [],
        scope: payload['scope'],
        client_id: payload['client_id'],
      },
      at: new Date().toISOString(),
    })
  }

  return (req, res) => {
    handle(req, res).catch(() => {
      // The identity provider's keys cannot be fetched: not the caller's fault.
      if (!res.headersSent) sendJson(res, 503, { error: 'temporarily_unavailable' })
    })
  }
}

/** Starts the demo API on its own port. */
export async function startDemoApi(options: StartDemoApiOptions): Promise<DemoApi> {
  const host = options.host ?? '127.0.0.1'
  const server = await listenLateBound(options.port ?? 9100, host)
  try {
    server.serve(await createDemoApiListener(options))
  } catch (error) {
    await server.close()
    throw error
  }
  return { url: `http://${host}:${server.port}`, port: server.port, close: server.close }
}

/**
 * The `jwks_uri` from the issuer's discovery document, after checking that the document is
 * the issuer's own (OpenID Connect Discovery §4.3: a mismatch could be a mix-up).
 */
async function discoverJwksUri(issuer: string): Promise<URL> {
  const url = new URL(`${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`)
  const response = await fetch(url)
  if (!response.ok) throw new Error(`${url} answered ${response.status}`)
  const metadata = (await response.json()) as { issuer?: unknown; jwks_uri?: unknown }
  if (metadata.issuer !== issuer) throw new Error(`${url} names another issuer`)
  if (typeof metadata.jwks_uri !== 'string') throw new Error(`${url} has no jwks_uri`)
  return new URL(metadata.jwks_uri)
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body)
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
  })
  res.end(res.req.method === 'HEAD' ? undefined : text)
}
