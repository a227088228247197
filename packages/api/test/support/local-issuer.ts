// A fake authorization server for unit tests: signing keys made here, a discovery document
// and a JWKS served over real HTTP on 127.0.0.1:0, and a counter of JWKS fetches.
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { exportJWK, generateKeyPair, SignJWT, type JWK, type JWTPayload } from 'jose'

export const AUDIENCE = 'https://api.example.test'

/** A key the issuer signs with. */
export interface SigningKey {
  kid: string
  alg: string
  privateKey: CryptoKey
  publicJwk: JWK
}

/** The fake issuer. */
export interface LocalIssuer {
  issuer: string
  /** Keys currently published in the JWKS. */
  published: SigningKey[]
  /** How many times the JWKS was fetched, and how many requests came in at all. */
  readonly jwksFetches: number
  readonly requests: string[]
  /** Makes a signing key; publish it by pushing it to `published`. */
  createKey(alg?: string): Promise<SigningKey>
  /** Signs a valid access token for AUDIENCE; `claims`/`header` override or (undefined) drop. */
  sign(
    claims?: Record<string, unknown>,
    header?: Record<string, unknown>,
    key?: SigningKey,
  ): Promise<string>
  /** Answers POSTs to /introspect with this handler (for introspection tests). */
  introspection?: (body: URLSearchParams, authorization: string | undefined) => unknown
  close(): Promise<void>
}

/** Starts the fake issuer with one published ES256 key. */
export async function startLocalIssuer(): Promise<LocalIssuer> {
  const state = { jwksFetches: 0, requests: [] as string[] }
  const server = createServer((req, res) => {
    state.requests.push(`${req.method} ${req.url}`)
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      const answer = route(
        req.url ?? '',
        Buffer.concat(chunks).toString(),
        req.headers.authorization,
      )
      res.writeHead(answer === undefined ? 404 : 200, { 'content-type': 'application/json' })
      res.end(JSON.stringify(answer ?? { error: 'not_found' }))
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`

  const fixture: LocalIssuer = {
    issuer,
    published: [],
    get jwksFetches() {
      return state.jwksFetches
    },
    requests: state.requests,
    createKey,
    sign: (claims = {}, header = {}, key = fixture.published[0]) =>
      sign(issuer, claims, header, key),
    close: () => closeServer(server),
  }
  fixture.published.push(await createKey())

  function route(url: string, body: string, authorization: string | undefined): unknown {
    if (url === '/.well-known/openid-configuration') {
      return { issuer, jwks_uri: `${issuer}/jwks`, introspection_endpoint: `${issuer}/introspect` }
    }
    if (url === '/jwks') {
      state.jwksFetches++
      return { keys: fixture.published.map((key) => key.publicJwk) }
    }
    if (url === '/introspect')
      return fixture.introspection?.(new URLSearchParams(body), authorization)
    return undefined
  }
  return fixture
}

async function createKey(alg = 'ES256'): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true })
  const kid = crypto.randomUUID()
  return {
    kid,
    alg,
    privateKey,
    publicJwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' },
  }
}

async function sign(
  issuer: string,
  claims: Record<string, unknown>,
  header: Record<string, unknown>,
  key: SigningKey | undefined,
): Promise<string> {
  if (key === undefined) throw new Error('no signing key')
  const now = Math.floor(Date.now() / 1000)
  const payload = withoutUndefined({
    iss: issuer,
    aud: AUDIENCE,
    sub: 'user-1',
    client_id: 'spa',
    iat: now,
    exp: now + 300,
    jti: crypto.randomUUID(),
    scope: 'articles:read',
    ...claims,
  })
  const protectedHeader = withoutUndefined({ alg: key.alg, typ: 'at+jwt', kid: key.kid, ...header })
  return new SignJWT(payload as JWTPayload)
    .setProtectedHeader(protectedHeader as { alg: string })
    .sign(key.privateKey)
}

function withoutUndefined(value: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(value).filter(([, item]) => item !== undefined))
}

/** Closes a server and drops keep-alive connections. */
export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()))
    server.closeAllConnections()
  })
}
