import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http'
import {
  createTokenVerifier,
  definePermissions,
  isApiAuthError,
  subject,
  type AuthContext,
  type AuthFailureEvent,
} from '@coatcheck/api'
import { createNodeGuard, sendAuthError, type NodeGuard } from '@coatcheck/api/node'
import { articlePolicy } from './api/article-policy.ts'
import { createArticleStore, type Article, type ArticleStore } from './api/article-store.ts'
import { listenLateBound } from './internal/late-bound-server.ts'

/** Options of {@link createDemoApiListener}. */
export interface DemoApiOptions {
  /** Issuer of the access tokens; its discovery document names the JWKS. */
  issuer: string
  /** This API's resource indicator: access tokens must carry it in `aud`. */
  audience: string
  /** The URL callers use, against which DPoP proofs' `htu` is checked. Default `audience`. */
  publicUrl?: string
  /** Receives one line per refused request (the reason, never the token). */
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

type Answer = readonly [status: number, body: unknown]
type Handler = (call: {
  auth: AuthContext
  id: string
  req: IncomingMessage
  store: ArticleStore
}) => Answer | Promise<Answer>

/** Where the same API answers only DPoP-bound tokens with a valid proof (RFC 9449). */
export const DPOP_MOUNT = '/dpop'

/**
 * The demo API, guarded by `@coatcheck/api`: articles and comments in memory, every
 * request checked against the one policy of `article-policy.ts` (403 JSON when it says
 * no), and `GET /my-permissions`, from which Coatcheck serves the same rules to the SPA.
 * Under `/dpop` the same API takes only DPoP-bound tokens, proof and binding verified,
 * every proof used once.
 *
 * @see https://www.rfc-editor.org/rfc/rfc9068#section-4
 * @see https://www.rfc-editor.org/rfc/rfc9449#section-7
 */
export function createDemoApiListener(options: DemoApiOptions): RequestListener {
  const log = options.log ?? (() => {})
  const onFailure = (event: AuthFailureEvent) =>
    log(`demo API: refused ${event.method} ${event.path} (${event.reason})`)
  const common = { issuer: options.issuer, audience: options.audience, onFailure }
  const bearer = createNodeGuard({
    permissions,
    verifier: createTokenVerifier({ ...common, realm: 'coatcheck-demo', dpop: false }),
  })
  const bound = createNodeGuard({
    permissions,
    // The default replay cache remembers every proof's `jti` for its lifetime.
    verifier: createTokenVerifier({
      ...common,
      publicUrl: options.publicUrl ?? options.audience,
      dpop: { required: true },
    }),
  })
  const store = createArticleStore()

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://api.invalid').pathname
    const isBound = path.startsWith(`${DPOP_MOUNT}/`)
    const found = findRoute(req.method ?? 'GET', isBound ? path.slice(DPOP_MOUNT.length) : path)
    if (found === 'method') return sendJson(res, 405, { error: 'method_not_allowed' })
    if (!found) return sendJson(res, 404, { error: 'not_found' })
    const guard: NodeGuard = isBound ? bound : bearer
    const auth = await guard(req, res)
    if (!auth) return
    try {
      const [status, body] = await found.handler({ auth, id: found.id, req, store })
      sendJson(res, status, body)
    } catch (error) {
      if (!isApiAuthError(error)) throw error
      log(`demo API: forbidden ${req.method} ${path}`)
      sendAuthError(res, error)
    }
  }

  return (req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) sendJson(res, 500, { error: 'server_error' })
    })
  }
}

/** Starts the demo API on its own port. */
export async function startDemoApi(options: StartDemoApiOptions): Promise<DemoApi> {
  const host = options.host ?? '127.0.0.1'
  const server = await listenLateBound(options.port ?? 9100, host)
  server.serve(createDemoApiListener(options))
  return { url: `http://${host}:${server.port}`, port: server.port, close: server.close }
}

const permissions = definePermissions(articlePolicy)
const asArticle = (article: Article) => subject('Article', { ...article })

/** The article `id` when the caller may `action` it: 404 when absent, 403 when not allowed. */
function allowedArticle(call: Parameters<Handler>[0], action: string): Article | Answer {
  const article = call.store.article(call.id)
  if (!article || !call.auth.ability.can('read', asArticle(article))) return NOT_FOUND
  call.auth.assertCan(action, asArticle(article))
  return article
}

const NOT_FOUND: Answer = [404, { error: 'not_found' }]
const isAnswer = (value: Article | Answer): value is Answer => Array.isArray(value)

const ROUTES: [method: string, path: RegExp, handler: Handler][] = [
  [
    'GET',
    /^\/whoami$/,
    ({ auth }) => [
      200,
      {
        message:
          'Hello from the demo API. Coatcheck sent your access token and it checked out ' +
          '(signature, issuer, audience, type, expiry); your browser never held it.',
        caller: { sub: auth.caller.sub, roles: auth.caller.roles, scheme: auth.token.scheme },
      },
    ],
  ],
  ['GET', /^\/my-permissions$/, ({ auth }) => [200, { rules: permissions.rulesFor(auth.claims) }]],
  [
    'GET',
    /^\/articles$/,
    ({ auth, store }) => [
      200,
      store.articles().filter((article) => auth.ability.can('read', asArticle(article))),
    ],
  ],
  [
    'POST',
    /^\/articles$/,
    async ({ auth, req, store }) => {
      auth.assertCan('create', 'Article')
      const input = await readArticleInput(req)
      if (!input) return BAD_INPUT
      const article = store.saveArticle({
        id: crypto.randomUUID(),
        ...input,
        status: 'draft',
        authorId: auth.caller.sub,
        authorName: nameOf(auth),
      })
      return [201, article]
    },
  ],
  ['GET', /^\/articles\/([\w-]+)$/, (call) => answer(allowedArticle(call, 'read'))],
  [
    'PUT',
    /^\/articles\/([\w-]+)$/,
    async (call) => {
      const article = allowedArticle(call, 'update')
      if (isAnswer(article)) return article
      const input = await readArticleInput(call.req)
      if (!input) return BAD_INPUT
      return [200, call.store.saveArticle({ ...article, ...input })]
    },
  ],
  [
    'DELETE',
    /^\/articles\/([\w-]+)$/,
    (call) => {
      const article = allowedArticle(call, 'delete')
      if (isAnswer(article)) return article
      call.store.deleteArticle(article.id)
      return [200, { deleted: article.id }]
    },
  ],
  [
    'POST',
    /^\/articles\/([\w-]+)\/publish$/,
    (call) => {
      const article = allowedArticle(call, 'publish')
      if (isAnswer(article)) return article
      return [200, call.store.saveArticle({ ...article, status: 'published' })]
    },
  ],
  [
    'GET',
    /^\/articles\/([\w-]+)\/comments$/,
    (call) => {
      const article = allowedArticle(call, 'read')
      if (isAnswer(article)) return article
      const readable = (comment: object) =>
        call.auth.ability.can('read', subject('Comment', comment))
      return [200, call.store.comments(article.id).filter((c) => readable({ ...c }))]
    },
  ],
  [
    'POST',
    /^\/articles\/([\w-]+)\/comments$/,
    async (call) => {
      const article = allowedArticle(call, 'read')
      if (isAnswer(article)) return article
      call.auth.assertCan('create', 'Comment')
      const input = await readJson(call.req)
      const body = typeof input?.body === 'string' ? input.body.trim() : ''
      if (body === '' || body.length > 2000) return BAD_INPUT
      const comment = { articleId: article.id, body, authorId: call.auth.caller.sub }
      return [201, call.store.addComment({ ...comment, authorName: nameOf(call.auth) })]
    },
  ],
  [
    'DELETE',
    /^\/comments\/([\w-]+)$/,
    (call) => {
      const comment = call.store.comment(call.id)
      if (!comment) return NOT_FOUND
      call.auth.assertCan('delete', subject('Comment', { ...comment }))
      call.store.deleteComment(comment.id)
      return [200, { deleted: comment.id }]
    },
  ],
]

const BAD_INPUT: Answer = [
  400,
  { error: 'bad_request', message: 'Send JSON with a title and a body.' },
]

function answer(value: Article | Answer): Answer {
  return isAnswer(value) ? value : [200, value]
}

function findRoute(method: string, path: string) {
  let pathMatched = false
  for (const [routeMethod, pattern, handler] of ROUTES) {
    const match = pattern.exec(path)
    if (!match) continue
    pathMatched = true
    if (routeMethod === method) return { handler, id: match[1] ?? '' }
  }
  return pathMatched ? ('method' as const) : undefined
}

function nameOf(auth: AuthContext): string {
  const name = auth.claims['name']
  return typeof name === 'string' ? name : auth.caller.sub
}

async function readArticleInput(req: IncomingMessage) {
  const input = await readJson(req)
  const title = typeof input?.title === 'string' ? input.title.trim() : ''
  const body = typeof input?.body === 'string' ? input.body.trim() : ''
  if (title === '' || title.length > 200 || body.length > 5000) return undefined
  return { title, body }
}

/** A small JSON object body, or `undefined` for anything else (too big, not JSON). */
async function readJson(req: IncomingMessage): Promise<Record<string, unknown> | undefined> {
  let size = 0
  const chunks: Buffer[] = []
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length
    if (size > 16_384) return undefined
    chunks.push(chunk)
  }
  try {
    const value: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8'))
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined
  } catch {
    return undefined
  }
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
