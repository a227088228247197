export {
  createCoatcheck,
  type Coatcheck,
  type CoatcheckOptions,
  type PreparedProxy,
} from './create-coatcheck.ts'
export type { ProxyPlan, UpstreamAnswer, UpstreamCall, PlanOptions } from './proxy/proxy-plan.ts'
export { isInvalidTokenAnswer, isReplayable } from './proxy/proxy-plan.ts'
export {
  connectionListedHeaders,
  isForwardedRequestHeader,
  isForwardedResponseHeader,
} from './proxy/forwarded-headers.ts'
export type { HeaderReader, RequestHead } from './http/request-head.ts'
export type { CoatcheckEvent, EventSink, SessionEndReason } from './events/coatcheck-event.ts'
export { createEventCounters, type EventCounters } from './events/event-counters.ts'
export { parseConfig, type CoatcheckConfig } from './config/parse-config.ts'
export { ConfigError, type ConfigIssue } from './config/config-error.ts'
export { buildClientRegistration, type ClientRegistration } from './config/client-registration.ts'
export {
  configSchema,
  routeSchema,
  type CoatcheckConfigInput,
  type RouteConfig,
} from './config/schema.ts'
export {
  CoatcheckError,
  ERROR_CODES,
  isCoatcheckError,
  type ErrorCode,
} from './errors/coatcheck-error.ts'
export { toErrorResponse } from './errors/error-response.ts'
export type { Session, TokenSet } from './session/session.ts'
export type {
  SessionEndedListener,
  SessionFilter,
  SessionStore,
  StoreLock,
} from './session/session-store.ts'
export type { SessionPersistence } from './session/session-persistence.ts'
export { createMemoryStore } from './session/memory-store.ts'
export type { SessionInfo } from './flows/session-info.ts'
export type { SessionSummary } from './flows/session-control.ts'
export { createSealer, type Sealer, type SealerOptions } from './crypto/sealer.ts'
export { webCryptoAesGcm, type AesGcm, type AesGcmKey } from './crypto/aes-gcm.ts'
