import { escapeHtml, renderLayout } from './html.ts'

/** What the login page shows; every value is escaped when rendered. */
export interface LoginPageOptions {
  uid: string
  clientId: string
  username?: string
  error?: string
}

/**
 * The sign-in form: labelled Username and Password fields and a "Sign in" button, posting to
 * `/interaction/<uid>/login`. A "Cancel" button lets tests exercise `access_denied`.
 */
export function renderLoginPage({ uid, clientId, username, error }: LoginPageOptions): string {
  const action = `/interaction/${encodeURIComponent(uid)}`
  const body = `<h1>Sign in</h1>
<p>to continue to <strong>${escapeHtml(clientId)}</strong></p>
${error === undefined ? '' : `<p class="error" role="alert" id="login-error">${escapeHtml(error)}</p>`}
<form method="post" action="${escapeHtml(`${action}/login`)}">
<label for="username">Username</label>
<input id="username" name="username" type="text" required autofocus autocapitalize="none" autocomplete="username" value="${escapeHtml(username ?? '')}">
<label for="password">Password</label>
<input id="password" name="password" type="password" required autocomplete="current-password">
<button type="submit">Sign in</button>
</form>
<form method="post" action="${escapeHtml(`${action}/abort`)}">
<button type="submit">Cancel</button>
</form>`
  return renderLayout('Sign in', body)
}

/**
 * The RP-initiated logout confirmation. `form` is oidc-provider's form (with its xsrf
 * token); `logout=yes` is added so the whole IdP session ends and every client with a
 * back-channel logout URI is told. The page submits itself; the button is for no-JS browsers.
 * @see https://openid.net/specs/openid-connect-rpinitiated-1_0.html#RPLogout
 */
export function renderLogoutPage(form: string, host: string): string {
  const withLogout = form.replace(
    '</form>',
    '<input type="hidden" name="logout" value="yes"/><button type="submit">Sign out</button></form>',
  )
  const body = `<h1>Sign out</h1>
<p>Signing you out of ${escapeHtml(host)}…</p>
${withLogout}`
  return renderLayout('Sign out', body, true)
}

/** Shown after a logout that had no `post_logout_redirect_uri`. */
export function renderLoggedOutPage(): string {
  return renderLayout('Signed out', '<h1>Signed out</h1><p>You are signed out.</p>')
}

/** An error page; never echoes request data except the escaped error code and description. */
export function renderErrorPage(error: string, description?: string): string {
  const body = `<h1>Something went wrong</h1>
<p><code data-error="${escapeHtml(error)}">${escapeHtml(error)}</code></p>
${description === undefined ? '' : `<p data-error-description="${escapeHtml(description)}">${escapeHtml(description)}</p>`}`
  return renderLayout('Error', body)
}
