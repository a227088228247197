// The test page bundled for Chromium: the client on a same-origin Coatcheck, its state
// written into #status, and two buttons.
import { createCoatcheck } from '../../src/index.ts'
import type { SessionState } from '../../src/index.ts'

const coatcheck = createCoatcheck({ baseUrl: location.origin })
const status = document.querySelector('#status')
// Changes on every page load: the test reads it to prove that a tab was not reloaded.
document.documentElement.dataset.loadId = String(Math.random())

function describeState(state: SessionState): string {
  switch (state.status) {
    case 'authenticated':
      return `authenticated as ${String(state.user.name)}`
    case 'ended':
      return `ended: ${state.reason}`
    case 'error':
      return `error: ${state.error.code}`
    case 'loading':
    case 'anonymous':
      return state.status
  }
}

function render() {
  if (status) status.textContent = describeState(coatcheck.getSnapshot())
}

coatcheck.subscribe(render)
render()
document.querySelector('#login')?.addEventListener('click', () => coatcheck.login())
document.querySelector('#logout')?.addEventListener('click', () => void coatcheck.logout())
