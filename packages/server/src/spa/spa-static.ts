import { createReadStream } from 'node:fs'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { ConfigError, type CoatcheckConfig } from '@coatcheck/core'
import { loadIndexDocument, buildContentSecurityPolicy } from './internal/index-document.ts'
import {
  contentTypeOf,
  findStaticFile,
  isHashedAsset,
  resolveRoot,
  toSafeSegments,
  type StaticFile,
} from './internal/static-file.ts'

/**
 * Serves one request from the SPA's files; resolves `false` when the request is not for a
 * file (another method, an auth or API path, no such file and not a navigation), so the
 * caller answers it.
 */
export type SpaStatic = (req: IncomingMessage, res: ServerResponse) => Promise<boolean>

const IMMUTABLE = 'public, max-age=31536000, immutable'
// Revalidated on every use (ETag → 304): it names the current hashed assets.
const REVALIDATE = 'no-cache'

/**
 * Creates the static file server of `spa.static`, or `undefined` when it is not configured.
 * The folder and entry point are read now, at start-up, so a wrong path fails the start.
 *
 * @throws ConfigError when `spa.static.root` or its entry point cannot be read.
 */
export function createSpaStatic(config: CoatcheckConfig): SpaStatic | undefined {
  const options = config.spa.static
  if (options === undefined) return undefined
  const { root, index } = loadRoot(options.root, options.index)
  const common = commonHeaders(config.publicUrl)
  const otherHtmlPolicy = buildContentSecurityPolicy()
  // Paths Coatcheck answers itself; a missing file under them is never the SPA's route.
  const reserved = [config.basePath, ...config.routes.map((route) => route.path)]
  const isReserved = (pathname: string) =>
    reserved.some((prefix) => pathname === prefix || pathname.startsWith(`${prefix}/`))

  return async (req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return false
    const pathname = (req.url ?? '/').split('?', 1)[0] ?? '/'
    if (!pathname.startsWith('/')) return false
    const segments = toSafeSegments(pathname)
    // Checked decoded too: `/%61uth/x` must not become the SPA's route either.
    if (segments === undefined || isReserved(pathname) || isReserved(`/${segments.join('/')}`)) {
      return false
    }

    const last = segments.at(-1)
    if (last === undefined || (segments.length === 1 && last === options.index)) {
      return sendIndex(req, res)
    }
    const file = await findStaticFile(root, segments)
    if (file) {
      sendFile(req, res, file, contentTypeOf(file.path).startsWith('text/html'))
      return true
    }
    // Client-side routes (`/orders/42`) are navigations to paths that are no file; a
    // missing `/app.js` or `/api-typo/x` fetched by a script stays a 404.
    if (options.fallback && !last.includes('.') && isNavigation(req)) return sendIndex(req, res)
    return false
  }

  function sendIndex(req: IncomingMessage, res: ServerResponse): true {
    const headers = {
      ...common,
      'content-type': 'text/html; charset=utf-8',
      'cache-control': REVALIDATE,
      'content-security-policy': index.contentSecurityPolicy,
      etag: index.etag,
    }
    if (isFresh(req, index.etag)) {
      res.writeHead(304, headers).end()
    } else {
      res.writeHead(200, { ...headers, 'content-length': index.body.length })
      res.end(req.method === 'HEAD' ? undefined : index.body)
    }
    return true
  }

  function sendFile(req: IncomingMessage, res: ServerResponse, file: StaticFile, html: boolean) {
    const etag = `W/"${file.size.toString(16)}-${Math.floor(file.mtimeMs).toString(16)}"`
    const headers = {
      ...common,
      'content-type': contentTypeOf(file.path),
      'cache-control': isHashedAsset(file.path) ? IMMUTABLE : REVALIDATE,
      etag,
      ...(html ? { 'content-security-policy': otherHtmlPolicy } : {}),
    }
    if (isFresh(req, etag)) {
      res.writeHead(304, headers).end()
      return
    }
    res.writeHead(200, { ...headers, 'content-length': file.size })
    if (req.method === 'HEAD') {
      res.end()
      return
    }
    createReadStream(file.path)
      .on('error', () => res.destroy())
      .pipe(res)
  }
}

function loadRoot(rootOption: string, indexName: string) {
  let root: string
  try {
    root = resolveRoot(rootOption)
  } catch {
    throw new ConfigError([
      { path: 'spa.static.root', message: `${rootOption} does not exist or cannot be read` },
    ])
  }
  try {
    return { root, index: loadIndexDocument(root, indexName) }
  } catch {
    throw new ConfigError([
      { path: 'spa.static.index', message: `${indexName} cannot be read in ${root}` },
    ])
  }
}

function commonHeaders(publicUrl: string): Record<string, string> {
  return {
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'strict-origin-when-cross-origin',
    // Only over https: an HSTS header on http is ignored, and on localhost it would stick
    // to every other local project (C-18).
    ...(publicUrl.startsWith('https:') ? { 'strict-transport-security': 'max-age=31536000' } : {}),
  }
}

function isNavigation(req: IncomingMessage): boolean {
  const mode = req.headers['sec-fetch-mode']
  if (mode !== undefined) return mode === 'navigate'
  return (req.headers.accept ?? '').includes('text/html')
}

/** `If-None-Match` with the current ETag (weak comparison, RFC 9110 §13.1.2). */
function isFresh(req: IncomingMessage, etag: string): boolean {
  const header = req.headers['if-none-match']
  if (header === undefined) return false
  const bare = etag.replace(/^W\//, '')
  return header === '*' || header.split(',').some((tag) => tag.trim().replace(/^W\//, '') === bare)
}
