// Single requests from the harness itself: a check before each load that the target answers
// 200 (and whether it sets a cookie), and the time to the first byte of a stream.
import { once } from 'node:events'
import { request, type IncomingMessage } from 'node:http'

/** What one request showed. */
export interface ProbeResult {
  status: number
  setCookie: boolean
  /** Milliseconds from sending the request to the first body chunk. */
  firstChunkMs: number
}

/** Sends one request on a fresh connection; reads up to the first body chunk, then drops it. */
export async function probe(
  url: string,
  headers: Record<string, string>,
  method = 'GET',
): Promise<ProbeResult> {
  const started = performance.now()
  const req = request(url, { method, headers, agent: false })
  req.end()
  const [res] = (await once(req, 'response')) as [IncomingMessage]
  const result = { status: res.statusCode ?? 0, setCookie: res.headers['set-cookie'] !== undefined }
  const firstChunk = once(res, 'data').catch(() => undefined)
  const ended = once(res, 'end').catch(() => undefined)
  await Promise.race([firstChunk, ended])
  const firstChunkMs = performance.now() - started
  res.destroy()
  req.destroy()
  return { ...result, firstChunkMs }
}
