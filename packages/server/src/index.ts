export {
  createGatewayListener,
  type GatewayListener,
  type GatewayListenerOptions,
  type UpgradeListener,
} from './gateway-listener.ts'
export {
  createNodeListener,
  type NodeListener,
  type NodeListenerOptions,
  type RequestHandle,
} from './node-adapter.ts'
export { ConfigFileError, loadConfigFile, type ConfigFileIssue } from './config-file.ts'
export {
  startServer,
  type ListenAddress,
  type ServerTimeouts,
  type ShutdownResult,
  type StartServerOptions,
  type StartServerResult,
} from './start-server.ts'
export { createStoreFromConfig } from './create-store.ts'
export { tuneGarbageCollector } from './tune-garbage-collector.ts'
export { nodeAesGcm } from './node-aes-gcm.ts'
export {
  createHealthEndpoints,
  type HealthEndpoints,
  type HealthOptions,
  type Readiness,
} from './health.ts'
export {
  createLogger,
  type CreateLoggerOptions,
  type Logger,
  type LogLevel,
} from './logging/create-logger.ts'
export { collectSecrets } from './logging/redact.ts'
export { logEvent } from './logging/log-event.ts'
export { createGatewayMetrics, type GatewayMetrics } from './metrics/gateway-metrics.ts'
