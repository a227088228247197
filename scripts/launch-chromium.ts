// The one way the test suites start a browser: Debian's Chromium, headless, with the
// background services off (this machine has no network beyond 127.0.0.1, and their
// connection attempts only add noise and time).
import { chromium, type Browser } from 'playwright-core'

const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]

/** Launches `/usr/bin/chromium` (on Debian: `apt-get install chromium`). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: '/usr/bin/chromium', args: ARGS })
}
