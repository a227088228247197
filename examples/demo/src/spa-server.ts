import { createReadStream } from 'node:fs'
import { readFile, realpath, stat } from 'node:fs/promises'
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http'
import { extname, join, resolve, sep } from 'node:path'
import { listenLateBound } from './internal/late-bound-server.ts'

/** Options of {@link createSpaListener}. */
export interface SpaServerOptions {
  /** Folder of static files; `index.html` in it must hold `<meta name="coatcheck-url">`. */
  root: string
  /** Coatcheck's URL: injected into `index.html` and allowed by the CSP. */
  coatcheckUrl: string
}

/** Options of {@link startSpaServer}. */
export interface StartSpaServerOptions extends SpaServerOptions {
  /** Default 5173; `0` picks a free port. */
  port?: number
  /** Default `127.0.0.1`. */
  host?: string
}

/** A running SPA server. */
export interface SpaServer {
  readonly url: string
  readonly port: number
  close(): Promise<void>
}

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
}
const META = /<meta name="coatcheck-url" content="[^"]*"\s*\/?>/

/**
 * Serves the SPA's static files, as a CDN would: from its own origin, with a strict CSP that
 * lets scripts talk to Coatcheck and nothing else. `index.html` gets Coatcheck's URL in a
 * `<meta>` at start-up, so ports can change without a build.
 */
export async function createSpaListener(options: SpaServerOptions): Promise<RequestListener> {
  const root = await realpath(options.root)
  const coatcheckOrigin = new URL(options.coatcheckUrl).origin
  const headers = securityHeaders(coatcheckOrigin)
  const index = await renderIndex(join(root, 'index.html'), options.coatcheckUrl)

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    for (const [name, value] of Object.entries(headers)) res.setHeader(name, value)
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD')
      return sendText(res, 405, 'Method not allowed')
    }
    const pathname = decodePath(req.url ?? '/')
    if (pathname === undefined) return sendText(res, 400, 'Bad request')
    if (pathname === '/' || pathname === '/index.html') {
      res.writeHead(200, {
        'content-type': CONTENT_TYPES['.html'],
        'content-length': Buffer.byteLength(index),
        // Always revalidated: it names the current Coatcheck URL and the other files.
        'cache-control': 'no-cache',
      })
      res.end(req.method === 'HEAD' ? undefined : index)
      return
    }
    const file = await findFile(root, pathname)
    if (file === undefined) return sendText(res, 404, 'Not found')
    res.writeHead(200, {
      'content-type': CONTENT_TYPES[extname(file.path)] ?? 'application/octet-stream',
      'content-length': file.size,
      'cache-control': 'public, max-age=60',
    })
    if (req.method === 'HEAD') return void res.end()
    createReadStream(file.path)
      .on('error', () => res.destroy())
      .pipe(res)
  }

  return (req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) sendText(res, 500, 'Internal error')
      else res.destroy()
    })
  }
}

/** Starts the SPA server on its own port. */
export async function startSpaServer(options: StartSpaServerOptions): Promise<SpaServer> {
  const host = options.host ?? '127.0.0.1'
  const server = await listenLateBound(options.port ?? 5173, host)
  try {
    server.serve(await createSpaListener(options))
  } catch (error) {
    await server.close()
    throw error
  }
  return { url: `http://${host}:${server.port}`, port: server.port, close: server.close }
}

function securityHeaders(coatcheckOrigin: string): Record<string, string> {
  return {
    // The SPA calls Coatcheck cross-origin (connect-src) and posts nothing else anywhere;
    // no inline script or style, so an injected tag cannot run or restyle the page.
    'content-security-policy':
      `default-src 'self'; connect-src 'self' ${coatcheckOrigin}; script-src 'self'; ` +
      `style-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self' ${coatcheckOrigin}`,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'strict-origin-when-cross-origin',
  }
}

async function renderIndex(path: string, coatcheckUrl: string): Promise<string> {
  const html = await readFile(path, 'utf8')
  if (!META.test(html)) {
    throw new TypeError(`${path} needs <meta name="coatcheck-url" content=""> for Coatcheck's URL`)
  }
  return html.replace(
    META,
    () => `<meta name="coatcheck-url" content="${escapeHtml(coatcheckUrl)}" />`,
  )
}

/** The decoded path, or `undefined` for a target that is not a clean origin-form path. */
function decodePath(target: string): string | undefined {
  const raw = target.split('?')[0] ?? ''
  if (!raw.startsWith('/')) return undefined
  try {
    const decoded = decodeURIComponent(raw)
    // A NUL byte truncates paths in some file APIs; a backslash is a separator on Windows.
    return decoded.includes('\0') || decoded.includes('\\') ? undefined : decoded
  } catch {
    return undefined
  }
}

/**
 * The regular file at `pathname` under `root`, or `undefined`. `/../` (also as `%2e%2e`,
 * decoded above) and symbolic links pointing outside are refused by checking where the path
 * really ends up, not how it is spelled.
 */
async function findFile(
  root: string,
  pathname: string,
): Promise<{ path: string; size: number } | undefined> {
  const candidate = resolve(root, `.${pathname}`)
  if (!candidate.startsWith(root + sep)) return undefined
  try {
    const path = await realpath(candidate)
    if (!path.startsWith(root + sep)) return undefined
    const info = await stat(path)
    return info.isFile() ? { path, size: info.size } : undefined
  } catch {
    return undefined
  }
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`)
}

function sendText(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, {
    'content-type': 'text/plain; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
  })
  res.end(text)
}
