import { createHash } from 'node:crypto'

/** Escapes text for HTML element content and double- or single-quoted attribute values. */
export function escapeHtml(value: unknown): string {
  return String(value ?? '')
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;')
}

const STYLE = `
body{font-family:system-ui,sans-serif;background:#f4f4f5;margin:0;padding:3rem 1rem;color:#18181b}
main{max-width:22rem;margin:auto;background:#fff;padding:1.5rem 2rem;border-radius:.5rem;box-shadow:0 1px 3px #0003}
h1{font-size:1.25rem;margin-top:0}label{display:block;margin:.75rem 0 .25rem;font-weight:600}
input{width:100%;box-sizing:border-box;padding:.5rem;font-size:1rem}
button{margin-top:1rem;width:100%;padding:.6rem;font-size:1rem;cursor:pointer}
.error{color:#b91c1c;font-weight:600}.note{color:#52525b;font-size:.85rem}
`

/** Submits the RP-initiated logout form as soon as the page loads (automated browsers, D-10). */
export const LOGOUT_SCRIPT = "document.getElementById('op.logoutForm').submit()"

function sha256Source(text: string): string {
  return `'sha256-${createHash('sha256').update(text).digest('base64')}'`
}

/**
 * The policy on every response: no framing (clickjacking, RFC 9700 §4.16, D-29), no plugins,
 * no `<base>` rewrites, and only the page's own inline style and logout script by hash.
 * oidc-provider appends the hash of its form_post script to `script-src` itself.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  `style-src ${sha256Source(STYLE)}`,
  `script-src ${sha256Source(LOGOUT_SCRIPT)}`,
  // data: for the empty favicon, so browsers do not request /favicon.ico.
  "img-src 'self' data:",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ')

/**
 * Wraps page content in the shared layout. `title` is escaped; `body` must already be.
 * `autoSubmitLogout` adds {@link LOGOUT_SCRIPT}, the only script the policy allows.
 */
export function renderLayout(title: string, body: string, autoSubmitLogout = false): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<link rel="icon" href="data:,">
<title>${escapeHtml(title)} · Coatcheck dev IdP</title>
<style>${STYLE}</style>
</head>
<body>
<main>
${body}
<p class="note">Coatcheck development identity provider. Not for real users.</p>
</main>
${autoSubmitLogout ? `<script>${LOGOUT_SCRIPT}</script>` : ''}
</body>
</html>`
}
