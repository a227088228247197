export {
  startDemo,
  DEFAULT_PORTS,
  type Demo,
  type DemoPorts,
  type StartDemoOptions,
} from './start-demo.ts'
export {
  buildDemoConfig,
  DEMO_API_SCOPE,
  DEMO_CLIENT_ID,
  DEMO_CLIENT_SECRET,
  type DemoConfigOptions,
  type DemoUrls,
} from './demo-config.ts'
export {
  createDemoApiListener,
  startDemoApi,
  DPOP_MOUNT,
  type DemoApi,
  type DemoApiOptions,
  type StartDemoApiOptions,
} from './demo-api.ts'
export {
  createSpaListener,
  startSpaServer,
  type SpaServer,
  type SpaServerOptions,
  type StartSpaServerOptions,
} from './spa-server.ts'
export { articlePolicy } from './api/article-policy.ts'
