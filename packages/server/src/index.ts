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
  type StartServerOptions,
  type StartServerResult,
} from './start-server.ts'
export { createStoreFromConfig } from './create-store.ts'
export {
  createHealthEndpoints,
  type HealthEndpoints,
  type HealthOptions,
  type Readiness,
} from './health.ts'
