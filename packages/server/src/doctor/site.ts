/** `localhost`, `*.localhost` and loopback addresses: only this machine can be there. */
export function isLoopbackHost(hostname: string): boolean {
  return (
    hostname === 'localhost' ||
    hostname.endsWith('.localhost') ||
    /^127(\.\d{1,3}){3}$/.test(hostname) ||
    hostname === '[::1]'
  )
}

/**
 * The "site" of a URL for SameSite purposes: scheme and registrable domain. Without the
 * Public Suffix List this is an approximation: the last two labels, or three when the
 * second-level label is a short one such as `co.uk` or `com.au`. IP addresses and
 * `localhost` are their own site.
 */
export function siteOf(url: string): string {
  const { protocol, hostname } = new URL(url)
  if (/^[\d.]+$/.test(hostname) || hostname.startsWith('[') || !hostname.includes('.')) {
    return `${protocol}//${hostname}`
  }
  const labels = hostname.split('.')
  const take =
    labels.length > 2 && /^[a-z]{2}$/.test(labels.at(-1)!) && labels.at(-2)!.length <= 3 ? 3 : 2
  return `${protocol}//${labels.slice(-take).join('.')}`
}
