/**
 * Compares two strings without an early exit, so response timing reveals nothing of the
 * expected value (a state, a CSRF value) to an attacker guessing it byte by byte.
 */
export function timingSafeEqual(a: string, b: string): boolean {
  const length = Math.max(a.length, b.length)
  let difference = a.length ^ b.length
  for (let i = 0; i < length; i++) difference |= (a.charCodeAt(i) | 0) ^ (b.charCodeAt(i) | 0)
  return difference === 0
}
