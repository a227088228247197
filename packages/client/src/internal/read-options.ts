import type { Endpoint } from './request.ts'

export interface ReadOptionsInput {
  baseUrl: string
  csrfHeader?: { name: string; value: string }
  broadcastChannelName?: string
  events?: boolean
}

export interface Settings {
  endpoint: Endpoint
  channelName: string
  events: boolean
}

/**
 * Checks the options once, when the client is created, so a typo fails at start-up with the
 * option's name instead of as a mysterious 404 later.
 */
export function readOptions(options: ReadOptionsInput): Readonly<Settings> {
  const base = readBaseUrl(options.baseUrl)
  const { name, value } = options.csrfHeader ?? { name: 'x-csrf', value: '1' }
  try {
    new Headers([[name, value]])
    if (!name || !value) throw new TypeError('empty')
  } catch {
    throw new TypeError('`csrfHeader` needs a valid header `name` and a non-empty `value`')
  }
  return Object.freeze({
    endpoint: {
      base: base.href.replace(/\/+$/, ''),
      origin: base.origin,
      csrfName: name,
      csrfValue: value,
    },
    channelName: options.broadcastChannelName ?? 'coatcheck',
    events: options.events ?? true,
  })
}

function readBaseUrl(baseUrl: unknown): URL {
  let url: URL | undefined
  try {
    // A path such as "/" or "/bff" is relative to the page: the same-origin deployments.
    if (typeof baseUrl === 'string') url = new URL(baseUrl, globalThis.location?.href)
  } catch {
    url = undefined
  }
  if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:') || url.search || url.hash) {
    throw new TypeError(
      '`baseUrl` must be where Coatcheck answers: an http(s) URL such as "https://bff.example.com", or a path such as "/" inside a page; no query or fragment',
    )
  }
  return url
}
