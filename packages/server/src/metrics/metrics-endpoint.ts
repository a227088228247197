import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Registry } from 'prom-client'
import { sendJson } from '../internal/send-response.ts'

const NOT_FOUND = JSON.stringify({ error: 'not_found', message: 'Nothing here.' })

/** Answers a scrape with the registry's series in the Prometheus text format. */
export async function sendMetrics(res: ServerResponse, registry: Registry): Promise<void> {
  const body = await registry.metrics()
  res.writeHead(200, {
    'content-type': registry.contentType,
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
  })
  res.end(body)
}

/** The listener of the separate metrics port: `GET /metrics`, nothing else. */
export function createMetricsListener(registry: Registry) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    const path = req.url?.split('?')[0]
    if (req.method !== 'GET' || path !== '/metrics') return sendJson(res, 404, NOT_FOUND)
    sendMetrics(res, registry).catch(() => sendJson(res, 500, NOT_FOUND))
  }
}
