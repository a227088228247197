import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'

/** The SPA's entry point, read once at start-up, with the CSP that fits it. */
export interface IndexDocument {
  readonly body: Buffer
  readonly etag: string
  readonly contentSecurityPolicy: string
}

// Inline `<script>` (without `src`) and `<style>` elements; their exact text is what the
// browser hashes for `'sha256-…'` sources (CSP3 §8.4).
const INLINE = /<(script|style)\b([^>]*)>([\s\S]*?)<\/\1\s*>/gi

/**
 * Reads the entry point and computes its CSP: scripts and styles from this origin only,
 * inline ones allowed by hash, so an injected `<script>` (XSS) does not run even though the
 * session cookie would let it call the API (G-02).
 */
export function loadIndexDocument(root: string, index: string): IndexDocument {
  const body = readFileSync(join(root, index))
  const html = body.toString('utf8')
  const hashes = { script: new Set<string>(), style: new Set<string>() }
  for (const [, tag, attributes = '', text = ''] of html.matchAll(INLINE)) {
    if (tag?.toLowerCase() === 'script' && /\ssrc\s*=/i.test(` ${attributes}`)) continue
    if (text.trim() === '') continue
    const hash = `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`
    hashes[tag?.toLowerCase() === 'script' ? 'script' : 'style'].add(hash)
  }
  return {
    body,
    etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`,
    contentSecurityPolicy: buildContentSecurityPolicy([...hashes.script], [...hashes.style]),
  }
}

/** A strict CSP: same-origin only, no plugins, no `<base>` hijack, never framed. */
export function buildContentSecurityPolicy(
  scriptHashes: readonly string[] = [],
  styleHashes: readonly string[] = [],
): string {
  return [
    "default-src 'self'",
    ['script-src', "'self'", ...scriptHashes].join(' '),
    ['style-src', "'self'", ...styleHashes].join(' '),
    "img-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    // Clickjacking: no other page may frame the app (RFC 9700 §4.16).
    "frame-ancestors 'none'",
  ].join('; ')
}
