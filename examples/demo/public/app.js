// The demo SPA: plain JavaScript, no build step, and no token anywhere. Every call goes to
// Coatcheck with the session cookie (`credentials: 'include'`) and the static anti-CSRF
// header, which a cross-site form or <img> cannot send.

const CSRF_HEADER = { 'x-csrf': '1' }

const ui = {
  status: element('status'),
  error: element('error'),
  signedOut: element('signed-out'),
  signedIn: element('signed-in'),
  userName: element('user-name'),
  apiResult: element('api-result'),
  login: element('login'),
  callApi: element('call-api'),
  logout: element('logout'),
}

const coatcheckUrl = readCoatcheckUrl()

ui.login.addEventListener('click', logIn)
ui.callApi.addEventListener('click', () => void whileBusy(ui.callApi, callApi))
ui.logout.addEventListener('click', () => void whileBusy(ui.logout, logOut))
showErrorFromRedirect()
void showSession()

function element(id) {
  const found = document.getElementById(id)
  if (!found) throw new Error(`index.html has no #${id}`)
  return found
}

function readCoatcheckUrl() {
  const content = document.querySelector('meta[name="coatcheck-url"]')?.getAttribute('content')
  if (!content) {
    showError('This page does not know where Coatcheck is: serve it with the demo SPA server.')
    throw new Error('missing <meta name="coatcheck-url">')
  }
  return content.replace(/\/+$/, '')
}

/** A request to Coatcheck, with the session cookie and the anti-CSRF header. */
function callCoatcheck(path, init = {}) {
  return fetch(`${coatcheckUrl}${path}`, {
    ...init,
    credentials: 'include',
    headers: { ...CSRF_HEADER, ...init.headers },
  })
}

async function showSession() {
  const response = await reach(() => callCoatcheck('/auth/session'))
  if (!response) return
  if (response.status === 401) return showSignedOut('You are signed out.')
  if (!response.ok) return showError(await describeFailure(response))
  const session = await response.json()
  showSignedIn(session.user)
}

function logIn() {
  // A top-level navigation, not a fetch: the identity provider's login page must show.
  const url = new URL(`${coatcheckUrl}/auth/login`)
  url.searchParams.set('returnTo', location.href)
  location.assign(url)
}

async function callApi() {
  ui.apiResult.textContent = ''
  const response = await reach(() => callCoatcheck('/api/demo/whoami'))
  if (!response) return
  if (response.status === 401) return showSignedOut('Your session has ended; log in again.')
  if (!response.ok) return showError(await describeFailure(response))
  ui.apiResult.textContent = JSON.stringify(await response.json(), null, 2)
}

async function logOut() {
  const response = await reach(() =>
    callCoatcheck('/auth/logout', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ returnTo: `${location.origin}/` }),
    }),
  )
  if (!response) return
  if (!response.ok) return showError(await describeFailure(response))
  const { logoutUrl } = await response.json()
  // The identity provider ends its own session too, then sends the browser back here.
  if (logoutUrl) location.assign(logoutUrl)
  else showSignedOut('You are signed out.')
}

/** Runs `fetchIt`, showing an error when Coatcheck cannot be reached at all. */
async function reach(fetchIt) {
  clearError()
  try {
    return await fetchIt()
  } catch {
    ui.status.textContent = 'Coatcheck is unreachable.'
    showError(`Cannot reach Coatcheck at ${coatcheckUrl}. Is it running?`)
    return undefined
  }
}

async function whileBusy(button, action) {
  button.disabled = true
  try {
    await action()
  } catch (error) {
    showError(`Something went wrong: ${error instanceof Error ? error.message : String(error)}`)
  } finally {
    button.disabled = false
  }
}

async function describeFailure(response) {
  try {
    const body = await response.json()
    return `${body.message ?? 'Request failed'} (${body.error ?? response.status})`
  } catch {
    return `Coatcheck answered ${response.status}.`
  }
}

function showSignedIn(user) {
  ui.userName.textContent = user.name ?? user.email ?? user.sub
  ui.signedOut.hidden = true
  ui.signedIn.hidden = false
  ui.status.textContent = 'You are signed in.'
}

function showSignedOut(message) {
  ui.signedIn.hidden = true
  ui.signedOut.hidden = false
  ui.apiResult.textContent = ''
  ui.status.textContent = message
}

function showError(message) {
  ui.error.textContent = message
  ui.error.hidden = false
}

function clearError() {
  ui.error.hidden = true
  ui.error.textContent = ''
}

// Coatcheck sends a failed login back with `?error=<code>`: show it once, then tidy the URL.
function showErrorFromRedirect() {
  const url = new URL(location.href)
  const code = url.searchParams.get('error')
  if (!code) return
  showError(`Sign-in did not complete (${code}).`)
  url.searchParams.delete('error')
  history.replaceState(null, '', url)
}
