import type { RequestLike } from '../../request/request-like.ts'
import { parseRequestUrl } from '../../request/request-like.ts'

// Asymmetric JWS algorithms only. `none` and HS* are never accepted: with HS256 and a
// public key as the "secret", anyone holding the public JWKS could mint tokens (RFC 8725
// §2.1, §3.1).
const ASYMMETRIC = new Set([
  'ES256',
  'ES384',
  'ES512',
  'PS256',
  'PS384',
  'PS512',
  'RS256',
  'RS384',
  'RS512',
  'EdDSA',
  'Ed25519',
])

/** A non-empty list of asymmetric algorithms; anything else throws at start-up. */
export function checkAlgorithms(algorithms: readonly string[], path: string): readonly string[] {
  if (!Array.isArray(algorithms) || algorithms.length === 0) {
    throw new TypeError(`\`${path}\` must list at least one algorithm, e.g. ['ES256']`)
  }
  for (const alg of algorithms) {
    if (!ASYMMETRIC.has(alg)) {
      throw new TypeError(
        `\`${path}\` contains ${JSON.stringify(alg)}: only asymmetric algorithms (${[...ASYMMETRIC].join(', ')}) are allowed`,
      )
    }
  }
  return Object.freeze([...algorithms])
}

/** A finite number of at least `min` (default: above zero). */
export function checkPositive(value: number, path: string, min?: number): number {
  const ok = Number.isFinite(value) && (min === undefined ? value > 0 : value >= min)
  if (!ok)
    throw new TypeError(
      `\`${path}\` must be a number ${min === undefined ? 'above 0' : `of at least ${min}`}`,
    )
  return value
}

/**
 * An http(s) URL without fragment; `http:` only for loopback hosts unless allowed, because
 * keys and introspection answers fetched in clear can be swapped on the way (S-12: TLS).
 */
export function checkServerUrl(value: string, path: string, allowInsecure: boolean): string {
  const url = typeof value === 'string' ? URL.parse(value) : null
  if (url === null || !/^https?:$/.test(url.protocol) || url.hash !== '') {
    throw new TypeError(`\`${path}\` must be an absolute https URL without fragment`)
  }
  if (url.protocol === 'http:' && !allowInsecure && !isLoopback(url.hostname)) {
    throw new TypeError(
      `\`${path}\` uses http: on a non-loopback host; use https, or set \`allowInsecureRequests\` for development`,
    )
  }
  return value
}

function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(hostname)
}

/** Turns `publicUrl` into "the public URL of this request"; required when DPoP is on. */
export function resolvePublicUrl(
  publicUrl: string | ((request: RequestLike) => string) | undefined,
  required: boolean,
): (request: RequestLike) => string {
  if (typeof publicUrl === 'function') return publicUrl
  if (publicUrl === undefined) {
    if (required) {
      throw new TypeError(
        '`publicUrl` is required when DPoP is accepted: set it to the URL clients use (e.g. https://api.example.com), or set `dpop: false`',
      )
    }
    return (request) => request.url
  }
  const base = URL.parse(publicUrl)
  if (base === null || !/^https?:$/.test(base.protocol) || base.search !== '' || base.hash !== '') {
    throw new TypeError('`publicUrl` must be an absolute http(s) URL without query or fragment')
  }
  const prefix = `${base.origin}${base.pathname.replace(/\/+$/, '')}`
  return (request) => `${prefix}${parseRequestUrl(request).pathname}`
}
