/**
 * What the redaction layer removes from every log line (G-05): header paths pino blanks
 * out, property names whose values are always secret, and a scrubber for string values
 * that look like a token or equal a configured secret, wherever they appear (an exception
 * message quoting a token, a cause chain, a header someone logged by hand).
 */

/** Replaces a removed value. */
export const REDACTED = '[redacted]'

/** pino `redact` paths: credentials in request and response headers, at any nesting below a line. */
export const REDACT_PATHS = [
  'authorization',
  'cookie',
  'dpop',
  '*.authorization',
  '*.cookie',
  '*.dpop',
  '*["set-cookie"]',
  '*.headers.authorization',
  '*.headers.cookie',
  '*.headers.dpop',
  '*.headers["set-cookie"]',
  '*.headers["proxy-authorization"]',
]

// Property names whose value is a credential whatever it looks like: an opaque refresh token
// or authorization code cannot be recognised by its shape, only by where it sits.
const SECRET_NAME =
  /token|secret|password|passwd|cookie|authorization|assertion|dpop|private_?key|^keys?$|^d$|^code_verifier$|^session_?id$/i

// A compact JWS/JWE (three or five base64url parts, starting with a JSON header `{"`).
const JWT = /eyJ[\w-]{4,}\.[\w-]{4,}\.[\w-]*(?:\.[\w-]*\.[\w-]*)?/g

// A configured secret shorter than this is not scrubbed by value: it would blank out common
// words (`csrf.headerValue: '1'`); real secrets and keys are far longer.
const MIN_SECRET_LENGTH = 8

/** Scrubs one log object; the result shares nothing with the input. */
export type Scrubber = (value: unknown) => unknown

/**
 * A scrubber that knows `secrets` (the client secret, cookie keys, private key parameters):
 * those values are replaced wherever they appear inside a string, JWT-shaped strings are
 * replaced, and properties with a secret's name are blanked.
 */
export function createScrubber(secrets: Iterable<string> = []): Scrubber {
  const known = [...new Set(secrets)].filter((value) => value.length >= MIN_SECRET_LENGTH)
  const scrubString = (text: string): string => {
    let result = text.replace(JWT, REDACTED)
    for (const secret of known) result = result.replaceAll(secret, REDACTED)
    return result
  }
  const scrub = (value: unknown, depth: number): unknown => {
    if (typeof value === 'string') return scrubString(value)
    if (typeof value !== 'object' || value === null) return value
    // Log objects are small and flat; a deep or cyclic one is cut rather than walked forever.
    if (depth > 8) return REDACTED
    if (Array.isArray(value)) return value.map((item) => scrub(item, depth + 1))
    const copy: Record<string, unknown> = {}
    for (const [key, item] of Object.entries(value)) {
      copy[key] = SECRET_NAME.test(key) && item !== undefined ? REDACTED : scrub(item, depth + 1)
    }
    return copy
  }
  return (value) => scrub(value, 0)
}

/**
 * The secret values of a configuration: every string under an option whose name says it is
 * secret (`idp.clientSecret`, `keys`, `dpop.privateKey`, a store password), so the scrubber
 * can remove them even from free text.
 */
export function collectSecrets(config: unknown): string[] {
  const found: string[] = []
  const walk = (value: unknown, secret: boolean, depth: number): void => {
    if (depth > 8) return
    if (typeof value === 'string') {
      if (secret) found.push(value)
    } else if (Array.isArray(value)) {
      for (const item of value) walk(item, secret, depth + 1)
    } else if (typeof value === 'object' && value !== null) {
      for (const [key, item] of Object.entries(value)) {
        walk(item, secret || SECRET_NAME.test(key) || /key/i.test(key), depth + 1)
      }
    }
  }
  walk(config, false, 0)
  return found
}
