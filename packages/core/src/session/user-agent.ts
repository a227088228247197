/** Browser families, most specific first: Edge and Opera also say "Chrome", Chrome says "Safari". */
const BROWSERS: [RegExp, string][] = [
  [/\bEdg(e|A|iOS)?\//, 'Edge'],
  [/\bOPR\/|\bOpera\b/, 'Opera'],
  [/\bSamsungBrowser\//, 'Samsung Internet'],
  [/\bFirefox\/|\bFxiOS\//, 'Firefox'],
  [/\bChrom(e|ium)\/|\bCriOS\//, 'Chrome'],
  [/\bSafari\//, 'Safari'],
]

/** Operating-system families, most specific first: Android says "Linux", iOS "like Mac OS X". */
const SYSTEMS: [RegExp, string][] = [
  [/\bAndroid\b/, 'Android'],
  [/\b(iPhone|iPad|iPod)\b/, 'iOS'],
  [/\bCrOS\b/, 'ChromeOS'],
  [/\bWindows\b/, 'Windows'],
  [/\bMac OS X\b|\bMacintosh\b/, 'macOS'],
  [/\bLinux\b/, 'Linux'],
]

/**
 * A short, coarse summary of a `User-Agent` header for the session list, such as
 * "Firefox on Linux": enough for a user to recognise a device, too little to fingerprint
 * anyone. Only the summary is kept, never the header itself.
 */
export function summarizeUserAgent(header: string | null): string {
  if (!header) return 'Unknown browser'
  const browser = BROWSERS.find(([pattern]) => pattern.test(header))?.[1] ?? 'Unknown browser'
  const system = SYSTEMS.find(([pattern]) => pattern.test(header))?.[1]
  return system ? `${browser} on ${system}` : browser
}
