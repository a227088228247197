import { realpathSync } from 'node:fs'
import { realpath, stat } from 'node:fs/promises'
import { extname, resolve, sep } from 'node:path'

/** Content types by extension; anything else is `application/octet-stream` (and nosniff). */
const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.webmanifest': 'application/manifest+json',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.avif': 'image/avif',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.wasm': 'application/wasm',
}

/** The content type for a file name. */
export function contentTypeOf(path: string): string {
  return CONTENT_TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream'
}

/** A regular file found under the root. */
export interface StaticFile {
  readonly path: string
  readonly size: number
  readonly mtimeMs: number
}

/** The real path of the root folder. @throws Error when it does not exist. */
export function resolveRoot(root: string): string {
  return realpathSync(resolve(root))
}

/**
 * The decoded URL path split into segments, or `undefined` when it must not reach the file
 * system: undecodable, a NUL byte (truncates paths in some APIs), a backslash (a separator
 * on Windows), or any segment starting with a dot: `..` climbs out of the root (also when
 * sent as `%2e%2e`, decoded first), and dotfiles (`.env`, `.git/`) are never public.
 */
export function toSafeSegments(pathname: string): string[] | undefined {
  let decoded: string
  try {
    decoded = decodeURIComponent(pathname)
  } catch {
    return undefined
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return undefined
  const segments = decoded.split('/').filter((segment) => segment !== '')
  return segments.some((segment) => segment.startsWith('.')) ? undefined : segments
}

/**
 * The regular file at `segments` under `root` (a real path), or `undefined`. Where the path
 * really ends up is checked after resolving symbolic links, so a link pointing outside the
 * root (`assets -> /etc`) serves nothing.
 */
export async function findStaticFile(
  root: string,
  segments: readonly string[],
): Promise<StaticFile | undefined> {
  if (segments.length === 0) return undefined
  try {
    const path = await realpath(resolve(root, ...segments))
    if (!path.startsWith(root + sep)) return undefined
    const info = await stat(path)
    return info.isFile() ? { path, size: info.size, mtimeMs: info.mtimeMs } : undefined
  } catch {
    return undefined
  }
}

/**
 * Whether a file name carries a content hash, as bundlers write them (`index-BvK3d9xQ.js`,
 * `main.3f2a1b9c.css`): a run of at least 8 letters, digits, `_` or `-` before the extension
 * holding a digit, or both cases. Such a file never changes, so it may be cached for a year.
 */
export function isHashedAsset(path: string): boolean {
  const match = /[.-]([A-Za-z0-9_]{8,})\.[A-Za-z0-9]+$/.exec(path)
  const hash = match?.[1]
  if (hash === undefined) return false
  return /\d/.test(hash) || (/[a-z]/.test(hash) && /[A-Z]/.test(hash))
}
