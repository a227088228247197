import { createIdpBrowserSession, type IdpBrowserSession } from './browser-session.ts'
import { DevIdpError } from './errors.ts'
import { findAttribute, parseForms, type HtmlForm } from './internal/html-form.ts'

/** A page or redirect the driver received. */
type Step =
  | { kind: 'redirect'; to: URL }
  | { kind: 'page'; url: URL; status: number; html: string; forms: HtmlForm[] }

// A sign-in is at most: auth → interaction → login → auth → interaction → auth → client.
const MAX_STEPS = 20

/**
 * Drives the dev IdP's own login page over HTTP (for tests without a browser): starts at an
 * authorization URL (a client's /auth/login 302 Location pointing at the IdP), signs in,
 * follows redirects until one leaves the IdP, and returns that URL (the client's redirect_uri
 * with code, state, iss) WITHOUT requesting it. Keeps IdP cookies in `session` so a second
 * call in the same session can reuse the IdP login (SSO).
 *
 * Throws {@link DevIdpError} `credentials_refused` when the login page comes back after the
 * credentials were submitted, `unexpected_response` for an error page (its OAuth error code is
 * in the message), or `too_many_redirects`. An authorization error redirected to the client
 * (e.g. `invalid_request` for a missing code_challenge) leaves the IdP, so it is returned.
 */
export async function signIn(
  authorizationUrl: string,
  credentials: { username: string; password: string },
  session: IdpBrowserSession = createIdpBrowserSession(),
): Promise<string> {
  const start = new URL(authorizationUrl)
  let step = await request(session, start)
  let submitted = false
  for (let count = 0; count < MAX_STEPS; count++) {
    if (step.kind === 'redirect') {
      if (step.to.origin !== start.origin) return step.to.href
      step = await request(session, step.to)
      continue
    }
    const login = step.forms.find((form) => form.inputNames.includes('password'))
    if (login === undefined) throw unexpected(step)
    if (submitted) {
      throw new DevIdpError(
        'credentials_refused',
        `The dev IdP refused the credentials of user "${credentials.username}".`,
      )
    }
    submitted = true
    const body = new URLSearchParams([...login.hidden, ...Object.entries(credentials)])
    step = await request(session, new URL(login.action, step.url), body)
  }
  throw new DevIdpError('too_many_redirects', `signIn gave up after ${MAX_STEPS} steps`)
}

/**
 * Follows an end-session URL through the logout confirmation and returns the
 * post_logout_redirect_uri URL the IdP redirected to (with state), without requesting it.
 * Back-channel logout requests have completed when this resolves.
 *
 * When the request named no `post_logout_redirect_uri`, returns the URL of the IdP's own
 * "signed out" page instead.
 * @see https://openid.net/specs/openid-connect-rpinitiated-1_0.html
 */
export async function signOut(endSessionUrl: string, session: IdpBrowserSession): Promise<string> {
  const start = new URL(endSessionUrl)
  let step = await request(session, start)
  let submitted = false
  for (let count = 0; count < MAX_STEPS; count++) {
    if (step.kind === 'redirect') {
      if (step.to.origin !== start.origin) return step.to.href
      step = await request(session, step.to)
      continue
    }
    const confirm = step.forms.find((form) => form.hidden.some(([name]) => name === 'xsrf'))
    if (confirm === undefined || submitted) {
      if (submitted && step.status === 200) return step.url.href
      throw unexpected(step)
    }
    submitted = true
    step = await request(
      session,
      new URL(confirm.action, step.url),
      new URLSearchParams(confirm.hidden),
    )
  }
  throw new DevIdpError('too_many_redirects', `signOut gave up after ${MAX_STEPS} steps`)
}

async function request(
  session: IdpBrowserSession,
  url: URL,
  form?: URLSearchParams,
): Promise<Step> {
  const headers = new Headers({ accept: 'text/html' })
  const cookie = session.cookieHeader(url)
  if (cookie !== undefined) headers.set('cookie', cookie)
  if (form !== undefined) headers.set('content-type', 'application/x-www-form-urlencoded')
  const response = await fetch(url, {
    method: form === undefined ? 'GET' : 'POST',
    headers,
    body: form ?? null,
    redirect: 'manual',
  })
  session.storeCookies(url, response.headers.getSetCookie())
  const location = response.headers.get('location')
  if (response.status >= 300 && response.status < 400 && location !== null) {
    await response.body?.cancel()
    return { kind: 'redirect', to: new URL(location, url) }
  }
  const html = await response.text()
  return { kind: 'page', url, status: response.status, html, forms: parseForms(html) }
}

function unexpected(step: Extract<Step, { kind: 'page' }>): DevIdpError {
  const error = findAttribute(step.html, 'data-error')
  const description = findAttribute(step.html, 'data-error-description')
  const detail = error === undefined ? '' : `: ${error}${description ? ` (${description})` : ''}`
  return new DevIdpError(
    'unexpected_response',
    `Unexpected response from the dev IdP at ${step.url.origin}${step.url.pathname}, HTTP ${step.status}${detail}`,
  )
}
