import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createGatewayMetrics, type GatewayMetrics } from './gateway-metrics.ts'
import { createMetricsListener } from './metrics-endpoint.ts'

/** The gateway's metrics, and the port that serves them when one is configured. */
export interface MetricsServer {
  readonly metrics: GatewayMetrics
  /** `http://<host>:<port>/metrics`, when `port` was given. */
  readonly url?: string
  close(): Promise<void>
}

/**
 * Creates the metrics and, when `port` is given, serves `GET /metrics` there: a port of its
 * own keeps the numbers off the public listener, for a scraper on the internal network.
 */
export async function startMetricsServer(
  port: number | undefined,
  host: string,
): Promise<MetricsServer> {
  const metrics = createGatewayMetrics()
  if (port === undefined) return { metrics, close: async () => {} }
  const server = createServer(createMetricsListener(metrics.registry))
  const address = await new Promise<AddressInfo>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => resolve(server.address() as AddressInfo))
  })
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address
  return {
    metrics,
    url: `http://${shownHost}:${address.port}/metrics`,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}
