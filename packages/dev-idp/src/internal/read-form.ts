import type { IncomingMessage } from 'node:http'

const LIMIT_BYTES = 16 * 1024

/**
 * Reads an `application/x-www-form-urlencoded` request body, refusing anything larger than
 * 16 KiB so a client cannot make the IdP buffer an unbounded upload.
 */
export async function readForm(req: IncomingMessage): Promise<URLSearchParams | undefined> {
  const type = req.headers['content-type']?.split(';')[0]?.trim().toLowerCase()
  if (type !== 'application/x-www-form-urlencoded') return undefined
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length
    if (size > LIMIT_BYTES) return undefined
    chunks.push(chunk)
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'))
}
