// Full login flows per second: Coatcheck's /auth/login, the dev IdP's form, the callback,
// over HTTP with keep-alive, a few browsers at a time.
import { Agent } from 'undici'
import { loginOverHttp } from './login.ts'

/** What the login loop achieved. */
export interface LoginRateResult {
  perSecond: number
  logins: number
  failures: number
  concurrency: number
}

/** Runs `concurrency` login loops against `base` for `seconds`. */
export async function measureLoginRate(
  base: string,
  seconds: number,
  concurrency = 8,
): Promise<LoginRateResult> {
  const dispatcher = new Agent({ connections: concurrency * 2 })
  const deadline = performance.now() + seconds * 1000
  let logins = 0
  let failures = 0
  const started = performance.now()
  const loop = async () => {
    while (performance.now() < deadline) {
      try {
        await loginOverHttp(base, dispatcher)
        logins++
      } catch {
        failures++
      }
    }
  }
  try {
    await Promise.all(Array.from({ length: concurrency }, loop))
  } finally {
    await dispatcher.close()
  }
  const elapsed = (performance.now() - started) / 1000
  return { perSecond: logins / elapsed, logins, failures, concurrency }
}
