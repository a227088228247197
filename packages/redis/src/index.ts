export { createRedisStore, type RedisSessionStore, type RedisStoreOptions } from './redis-store.ts'
export type { RedisConnection, RedisMode } from './internal/connect.ts'
