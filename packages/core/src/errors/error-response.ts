import type { RequestHead } from '../http/request-head.ts'
/**
 * Turns errors into HTTP responses: JSON for scripts, a small HTML page for people. This is
 * the only place that decides what an error looks like on the wire, so nothing else can
 * leak an internal message by accident.
 */
import { ERROR_CODES, isCoatcheckError, type ErrorCode } from './coatcheck-error.ts'

/** Options of {@link toErrorResponse}. */
export interface ErrorResponseOptions {
  /** Where the HTML error page links back to, usually `spa.url`. Only http(s) URLs are linked. */
  homeUrl?: string | undefined
}

/**
 * Turns any thrown value into a response. A {@link CoatcheckError} keeps its status and code;
 * anything else becomes a 500 `internal_error` with the generic message, because its own
 * message may carry a token, a connection string or a stack detail.
 *
 * Scripts (`fetch`, XHR) get `{ "error": code, "message": message }`. A top-level navigation
 * (`Sec-Fetch-Mode: navigate`, or no Fetch Metadata and an `Accept` that lists `text/html`)
 * gets a self-contained HTML page, since a person is looking at it.
 */
export function toErrorResponse(
  error: unknown,
  request: RequestHead,
  options: ErrorResponseOptions = {},
): Response {
  const { code, status, message } = describeError(error)
  if (isNavigation(request)) return htmlError(code, status, message, options.homeUrl)
  return jsonError(code, status, message)
}

/** A JSON error response, `{ "error": code, "message": message }`, never cached. */
export function jsonError(code: ErrorCode, status: number, message: string): Response {
  return new Response(JSON.stringify({ error: code, message }), {
    status,
    headers: {
      'content-type': 'application/json',
      // An error about one user's session must not be replayed from a cache to another.
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
    },
  })
}

interface ErrorDescription {
  code: ErrorCode
  status: number
  message: string
}

function describeError(error: unknown): ErrorDescription {
  if (!isCoatcheckError(error)) {
    // The original message may quote a secret or an internal address: never show it.
    return { code: 'internal_error', status: 500, message: ERROR_CODES.internal_error.message }
  }
  const message = error.expose ? error.message : ERROR_CODES[error.code].message
  return { code: error.code, status: error.status, message }
}

function isNavigation(request: RequestHead): boolean {
  const mode = request.headers.get('sec-fetch-mode')
  if (mode !== null) return mode === 'navigate'
  // Browsers without Fetch Metadata still ask for HTML when they navigate.
  const accept = request.headers.get('accept') ?? ''
  return accept
    .split(',')
    .some((range) => range.split(';')[0]?.trim().toLowerCase() === 'text/html')
}

// No scripts, no external resources: the page cannot be turned into an XSS or a tracking
// pixel, and cannot be framed for clickjacking.
const HTML_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  'content-security-policy':
    "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
  // The page may sit at a URL with `code` and `state` in the query (callback errors, L-18).
  'referrer-policy': 'no-referrer',
}

const TITLES: Readonly<Record<number, string>> = {
  400: 'Bad request',
  401: 'Not signed in',
  403: 'Forbidden',
  404: 'Not found',
  405: 'Method not allowed',
  500: 'Something went wrong',
  502: 'Service unreachable',
  503: 'Service unavailable',
  504: 'Service timed out',
}

function htmlError(
  code: ErrorCode,
  status: number,
  message: string,
  homeUrl: string | undefined,
): Response {
  const title = escapeHtml(TITLES[status] ?? 'Error')
  const home = toHomeLink(homeUrl)
  const body = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<style>body{font-family:system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;line-height:1.5}code{font-size:.9em}</style>
</head>
<body>
<main>
<h1>${title}</h1>
<p>${escapeHtml(message)}</p>
<p>Error code: <code>${escapeHtml(code)}</code></p>${home}
</main>
</body>
</html>
`
  return new Response(body, { status, headers: HTML_HEADERS })
}

function toHomeLink(homeUrl: string | undefined): string {
  if (homeUrl === undefined) return ''
  const url = URL.parse(homeUrl)
  // Escaping does not stop a `javascript:` href from running when clicked.
  if (url === null || (url.protocol !== 'https:' && url.protocol !== 'http:')) return ''
  return `\n<p><a href="${escapeHtml(url.href)}">Back to the application</a></p>`
}

const HTML_ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
}

function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (char) => HTML_ESCAPES[char] ?? char)
}
