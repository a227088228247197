import { createHash } from 'node:crypto'
import type { Cluster, Redis } from 'ioredis'

/** A Lua script run by its SHA-1, sent in full only when the server does not know it yet. */
export interface LuaScript {
  readonly source: string
  readonly sha: string
}

function defineScript(source: string): LuaScript {
  return { source, sha: createHash('sha1').update(source).digest('hex') }
}

/** Runs `script` (EVALSHA, falling back to EVAL after a restart or failover flushed it). */
export async function runScript(
  client: Redis | Cluster,
  script: LuaScript,
  keys: readonly string[],
  args: readonly (string | number)[],
): Promise<unknown> {
  try {
    return await client.evalsha(script.sha, keys.length, ...keys, ...args)
  } catch (error) {
    if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error
    return client.eval(script.source, keys.length, ...keys, ...args)
  }
}

/*
 * Every script touches exactly one key, so each runs atomically on whichever Cluster shard
 * owns that key. Indexes are kept right across keys by ordering (see redis-store.ts).
 */

/** Server time in epoch ms: one clock for every instance, whatever their skew. */
const NOW = `local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`

/**
 * Writes a session hash, as `set` (ARGV[1] = 'set') or as a compare-and-set on `version`
 * (ARGV[1] = 'update'). Returns the index digests it had before, or nil when the CAS fails.
 * ARGV: mode, expected version, version, sealed data, sid digest or '', sub digest, TTL ms.
 */
export const WRITE_SESSION = defineScript(`
if ARGV[1] == 'update' then
  local current = redis.call('HGET', KEYS[1], 'version')
  if not current or tonumber(current) ~= tonumber(ARGV[2]) then return false end
end
local old = redis.call('HMGET', KEYS[1], 'sidIndex', 'subIndex')
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'version', ARGV[3], 'data', ARGV[4], 'subIndex', ARGV[6])
if ARGV[5] ~= '' then redis.call('HSET', KEYS[1], 'sidIndex', ARGV[5]) end
redis.call('PEXPIRE', KEYS[1], ARGV[7])
return { old[1] or '', old[2] or '' }
`)

/** Deletes a session hash; returns its index digests, or nil when it was not there. */
export const DELETE_SESSION = defineScript(`
local f = redis.call('HMGET', KEYS[1], 'sidIndex', 'subIndex')
if redis.call('DEL', KEYS[1]) == 0 then return false end
return { f[1] or '', f[2] or '' }
`)

/**
 * Deletes a session hash only if it is still indexed under the digest ARGV[2] in field
 * ARGV[1]; returns its sealed data and index digests, or nil. The check stops a stale
 * index entry (the session's sub or sid changed since) from deleting the wrong session.
 */
export const DELETE_SESSION_IF_INDEXED = defineScript(`
local f = redis.call('HMGET', KEYS[1], ARGV[1], 'data', 'sidIndex', 'subIndex')
if f[1] ~= ARGV[2] then return false end
redis.call('DEL', KEYS[1])
return { f[2], f[3] or '', f[4] or '' }
`)

/**
 * Adds a session-id digest to an index sorted set, scored with when its session expires;
 * the set lives as long as its longest-lived member. Drops members whose time has passed.
 * ARGV: member, TTL ms, the ZADD condition: `GT` (a sid or sub index: never shortened),
 * `XX` (the live set on `update`: a session deleted meanwhile is not added back) or `LATEST`
 * (the live set on `set`: the score follows the latest TTL, shorter or longer).
 */
export const ADD_TO_INDEX = defineScript(`
${NOW}
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local score = now + tonumber(ARGV[2])
if ARGV[3] == 'LATEST' then redis.call('ZADD', KEYS[1], score, ARGV[1])
else redis.call('ZADD', KEYS[1], ARGV[3], score, ARGV[1]) end
local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
if last[2] then redis.call('PEXPIREAT', KEYS[1], last[2]) end
return 1
`)

/** Members of an index sorted set, after dropping those whose time has passed. */
export const READ_INDEX = defineScript(`
${NOW}
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
return redis.call('ZRANGE', KEYS[1], 0, -1)
`)

/** How many members of a sorted set have a score after now, after dropping the others. */
export const COUNT_LIVE = defineScript(`
${NOW}
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
return redis.call('ZCOUNT', KEYS[1], '(' .. now, '+inf')
`)

/** Compare-and-delete: frees the lock only for the holder whose token is ARGV[1]. */
export const RELEASE_LOCK = defineScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`)
