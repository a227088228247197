import type { CookieJar } from '../../http/cookies.ts'

/**
 * Most bytes of `name=value` per cookie. Browsers drop a cookie whose name+value exceeds
 * 4096 octets (6265bis §5.7 step 4); 4000 leaves room for proxies that count differently
 * (Auth.js uses 4096-160, ASP.NET's ChunkingCookieManager 4050) (C-10).
 */
export const MAX_COOKIE_BYTES = 4000

/** Chunk indexes are short decimal numbers; anything longer is not one we wrote. */
const CHUNK_INDEX = /^\d{1,4}$/

/**
 * Lays `value` out as cookies: one cookie `name` when it fits in {@link MAX_COOKIE_BYTES},
 * otherwise `name.0`, `name.1`, ... each within the limit. `value` must be ASCII.
 *
 * @see https://datatracker.ietf.org/doc/html/draft-ietf-httpbis-rfc6265bis#section-6.1
 */
export function splitIntoCookies(name: string, value: string): [name: string, value: string][] {
  if (name.length + 1 + value.length <= MAX_COOKIE_BYTES) return [[name, value]]
  // The room per chunk depends on how many digits the last index has, and vice versa.
  for (let digits = 1; ; digits++) {
    const room = MAX_COOKIE_BYTES - (name.length + 1 + digits + 1)
    if (room <= 0) throw new TypeError(`cookie name ${name} is too long to chunk`)
    const count = Math.ceil(value.length / room)
    if (String(count - 1).length > digits) continue
    return Array.from({ length: count }, (_, i): [string, string] => [
      `${name}.${i}`,
      value.slice(i * room, (i + 1) * room),
    ])
  }
}

/**
 * The value laid out by {@link splitIntoCookies}, read back from a request: cookie `name`
 * if present, else `name.0`, `name.1`, ... joined up to the first missing index.
 * A missing, reordered or altered chunk yields a value that fails to open; callers rely
 * on the seal, not on this function, to notice.
 */
export function joinCookies(jar: CookieJar, name: string): string | undefined {
  const single = jar.get(name)
  if (single !== undefined) return single
  let joined: string | undefined
  for (let i = 0; ; i++) {
    const chunk = jar.get(`${name}.${i}`)
    if (chunk === undefined) return joined
    joined = (joined ?? '') + chunk
  }
}

/** The request's cookies of this family: `name` and every `name.<index>`. */
export function familyCookieNames(jar: CookieJar, name: string): string[] {
  const prefix = `${name}.`
  return jar
    .names()
    .filter(
      (candidate) =>
        candidate === name ||
        (candidate.startsWith(prefix) && CHUNK_INDEX.test(candidate.slice(prefix.length))),
    )
}
