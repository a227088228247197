import { encodeBase64Url } from '../crypto/base64url.ts'
import type { Session } from './session.ts'

/** Domain separation: the handle is no other hash of the id that Coatcheck or a store makes. */
const PREFIX = 'coatcheck/session-handle\n'

/**
 * The name under which a session is listed and ended through session control: a hash of
 * its id. The id itself is the cookie value, a bearer credential: listing it would let a
 * script that reads the list (or a log of it) take over the other sessions.
 */
export async function sessionHandle(session: Pick<Session, 'id'>): Promise<string> {
  const digest = await crypto.subtle.digest(
    'SHA-256',
    new TextEncoder().encode(PREFIX + session.id),
  )
  return encodeBase64Url(new Uint8Array(digest)).slice(0, 22)
}
