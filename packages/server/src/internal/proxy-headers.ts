import type { IncomingMessage } from 'node:http'
import {
  connectionListedHeaders,
  isForwardedRequestHeader,
  isForwardedResponseHeader,
} from '@coatcheck/core'

/** What decides the upstream request headers besides the request itself. */
export interface UpstreamHeaderOptions {
  /** Coatcheck's anti-CSRF header: meant for Coatcheck, never forwarded. */
  csrfHeaderName: string
  /** Append to an incoming `X-Forwarded-For` instead of replacing it. */
  trustProxy: boolean
}

/** The parts of a browser request the upstream headers are built from. */
export interface ForwardedRequest {
  /** `[name, value, …]` as the browser sent them. */
  readonly rawHeaders: readonly string[]
  /** The names of `rawHeaders` in lower case, when the caller has them already. */
  readonly names?: readonly string[]
  /** The peer's address, for `X-Forwarded-For`. */
  readonly remoteAddress: string | undefined
}

/** A Node request as {@link toUpstreamHeaders} reads it. */
export function forwardedRequest(req: IncomingMessage): ForwardedRequest {
  return { rawHeaders: req.rawHeaders, remoteAddress: req.socket.remoteAddress }
}

/**
 * The headers of the upstream request, as a flat `[name, value, …]` list: the browser's,
 * filtered by core's single list (credentials, forwarding and hop-by-hop headers dropped,
 * P-04, P-05), then `set` (the plan's Authorization, X-Forwarded-Host/Proto, route headers)
 * on top, then `X-Forwarded-For`.
 */
export function toUpstreamHeaders(
  request: ForwardedRequest,
  set: Readonly<Record<string, string>>,
  options: UpstreamHeaderOptions,
): string[] {
  const raw = request.rawHeaders
  const names = request.names ?? lowerCaseNames(raw)
  let connection: string | null = null
  let incomingFor: string | null = null
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = names[i / 2] as string
    if (name === 'connection') connection = joinValue(connection, raw[i + 1] as string)
    else if (name === 'x-forwarded-for') incomingFor = joinValue(incomingFor, raw[i + 1] as string)
  }
  const connectionListed = connectionListedHeaders(connection)
  const headers: string[] = []
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = names[i / 2] as string
    // `Expect: 100-continue` was met on this hop (Node answered 100 already); undici refuses it.
    if (name === 'expect' || Object.hasOwn(set, name)) continue
    if (isForwardedRequestHeader(name, options.csrfHeaderName, connectionListed)) {
      headers.push(raw[i] as string, raw[i + 1] as string)
    }
  }
  for (const name in set) headers.push(name, set[name] as string)
  const peer = request.remoteAddress
  // Without a proxy we run in front, an incoming X-Forwarded-For is the client's own claim:
  // passing it on would let anyone pose as any address to the upstream's rate limits and logs.
  const incoming = options.trustProxy ? incomingFor : null
  const forwardedFor =
    incoming === null ? peer : peer === undefined ? incoming : `${incoming}, ${peer}`
  if (forwardedFor !== undefined) headers.push('x-forwarded-for', forwardedFor)
  return headers
}

/**
 * The headers of the browser's response, as a flat list: the upstream's, filtered by core's
 * list (hop-by-hop, `Set-Cookie` and `Access-Control-*` dropped, P-07) and by its own
 * `Connection`, with `Origin, Sec-Fetch-Site` merged into its `Vary`, then `extra` (the
 * session cookie and the CORS grant from `responseHeaders()`).
 */
export function toClientHeaders(
  upstream: Readonly<Record<string, string | string[] | undefined>>,
  extra: readonly (readonly [string, string])[],
): string[] {
  const list: string[] = []
  for (const [name, value] of Object.entries(upstream)) {
    if (value === undefined) continue
    for (const item of ([] as string[]).concat(value)) list.push(name, item)
  }
  return toClientHeaderList(list, extra)
}

/** {@link toClientHeaders} over a flat `[name, value, …]` list with lower-case names. */
export function toClientHeaderList(
  upstream: readonly string[],
  extra: readonly (readonly [string, string])[],
): string[] {
  let connection: string | null = null
  for (let i = 0; i + 1 < upstream.length; i += 2) {
    if (upstream[i] === 'connection') connection = joinValue(connection, upstream[i + 1] as string)
  }
  const connectionListed = connectionListedHeaders(connection)
  const headers: string[] = []
  const vary: string[] = []
  for (let i = 0; i + 1 < upstream.length; i += 2) {
    const name = upstream[i] as string
    if (!isForwardedResponseHeader(name) || connectionListed?.has(name)) continue
    if (name === 'vary') vary.push(upstream[i + 1] as string)
    else headers.push(name, upstream[i + 1] as string)
  }
  headers.push('vary', mergeVary(vary))
  for (const [name, value] of extra) headers.push(name, value)
  return headers
}

const ADDED_VARY = 'Origin, Sec-Fetch-Site'

/**
 * `Vary` with `Origin` and `Sec-Fetch-Site` added: the answer depends on both (CORS grant,
 * request guard), so a shared cache must not hand one caller's response to another.
 */
export function mergeVary(values: readonly string[]): string {
  if (values.length === 0 || (values.length === 1 && values[0] === '')) return ADDED_VARY
  const names = values
    .flatMap((value) => value.split(','))
    .map((name) => name.trim())
    .filter((name) => name !== '')
  const present = new Set(names.map((name) => name.toLowerCase()))
  if (present.has('*')) return '*'
  for (const name of ['Origin', 'Sec-Fetch-Site']) {
    if (!present.has(name.toLowerCase())) names.push(name)
  }
  return names.join(', ')
}

/** The first value of a header that may repeat, as undici and Node report it. */
export function firstHeader(value: string | string[] | undefined): string | null {
  return (Array.isArray(value) ? value[0] : value) ?? null
}

function lowerCaseNames(raw: readonly string[]): string[] {
  const names: string[] = []
  for (let i = 0; i + 1 < raw.length; i += 2) names.push((raw[i] as string).toLowerCase())
  return names
}

function joinValue(joined: string | null, value: string): string {
  return joined === null ? value : `${joined}, ${value}`
}
