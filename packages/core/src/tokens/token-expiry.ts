/**
 * When an access token from a token response expires, in epoch seconds; `undefined` when
 * the response has no `expires_in`. Computed from the response's own `expires_in` and the
 * time it is being stored, rounded down once: adding a whole-second "seconds left" to a
 * whole-second "now" would round down twice and could treat a token as expired up to two
 * seconds early, which for short-lived tokens means refreshing one just issued.
 */
export function accessTokenExpiry(
  response: { expires_in?: number | undefined },
  nowMs: number,
): number | undefined {
  const seconds = response.expires_in
  return seconds === undefined ? undefined : Math.floor(nowMs / 1000 + seconds)
}
