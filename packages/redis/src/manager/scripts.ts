import type { Redis } from 'ioredis';

/**
 * The Lua scripts behind the manager's objects. Each runs atomically in Redis; every key it
 * touches is passed in KEYS, and all the keys of one object share a `{hash tag}`, so each
 * script touches one Redis Cluster slot. Errors start with a word the session turns into an
 * error class (`STATE` -> StateError, `LEASE` -> StateError, `RANGE`, `SHUTDOWN`, `BROKEN`).
 * A change that can end a wait is published on the object's channel (an ARGV: channels are
 * not keys).
 */

// Milliseconds since the epoch, from Redis's clock (one clock for every client).
const NOW = `local t = redis.call('TIME') local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`;

// RPUSH of a table in pieces: Lua's unpack has a bounded stack.
const PUSH_ALL = `local function pushAll(key, items) for j = 1, #items, 1000 do redis.call('RPUSH', key, unpack(items, j, math.min(j + 999, #items))) end end`;

const scripts = {
  // KEYS[1] meta, KEYS[2..] the object's keys. ARGV: typeid, id, params, then commands
  // (name, key index, argument count, arguments...) that set the first state.
  // Returns {created, typeid, id, params} (the existing object's when the name is taken).
  concCreate: {
    lua: `
local t = redis.call('HGET', KEYS[1], 'type')
if t then return {0, t, redis.call('HGET', KEYS[1], 'id'), redis.call('HGET', KEYS[1], 'params')} end
redis.call('HSET', KEYS[1], 'type', ARGV[1], 'id', ARGV[2], 'params', ARGV[3])
local i = 4
while i <= #ARGV do
  local name, key, n = ARGV[i], KEYS[tonumber(ARGV[i + 1])], tonumber(ARGV[i + 2])
  redis.call(name, key, unpack(ARGV, i + 3, i + 2 + n))
  i = i + 3 + n
end
return {1, ARGV[1], ARGV[2], ARGV[3]}`,
  },

  // Lock and RLock: KEYS[1] the lock hash {owner, count, token}, KEYS[2] the fencing counter.
  // ARGV: lease, owner, reentrant ('1'/'0'), count. Returns {1, token} or {0, ms left on the lease}.
  concLockAcquire: {
    numberOfKeys: 2,
    lua: `
local owner = redis.call('HGET', KEYS[1], 'owner')
if owner then
  if ARGV[3] == '1' and owner == ARGV[2] then
    redis.call('HINCRBY', KEYS[1], 'count', ARGV[4])
    redis.call('PEXPIRE', KEYS[1], ARGV[1])
    return {1, tonumber(redis.call('HGET', KEYS[1], 'token'))}
  end
  return {0, redis.call('PTTL', KEYS[1])}
end
local token = redis.call('INCR', KEYS[2])
redis.call('HSET', KEYS[1], 'owner', ARGV[2], 'count', ARGV[4], 'token', token)
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return {1, token}`,
  },
  // KEYS[1] the lock hash. ARGV: this thread's token ('' when it holds none), owner,
  // reentrant, channel, all ('1': release every level, for Condition.wait). Returns 0 when an
  // RLock is still held (one level less), else the levels it had (the lock is free).
  concLockRelease: {
    numberOfKeys: 1,
    lua: `
local token = redis.call('HGET', KEYS[1], 'token')
local mine = ARGV[1] ~= ''
if mine and token ~= ARGV[1] then
  return redis.error_reply('LEASE the lease of this lock ran out before the release: another holder may have had it since (see fencingToken)')
end
if not token then return redis.error_reply('STATE release unlocked lock') end
if ARGV[3] == '1' or ARGV[5] == '1' then
  if redis.call('HGET', KEYS[1], 'owner') ~= ARGV[2] then
    return redis.error_reply('STATE cannot release un-acquired lock')
  end
end
local count = tonumber(redis.call('HGET', KEYS[1], 'count'))
if ARGV[3] == '1' and ARGV[5] ~= '1' and count > 1 then
  redis.call('HINCRBY', KEYS[1], 'count', -1)
  return 0
end
redis.call('DEL', KEYS[1])
redis.call('PUBLISH', ARGV[4], 'r')
return count`,
  },
  // KEYS[1] the lock hash. ARGV: token, lease. Returns 1 when renewed, 0 when the lease is lost.
  concLockRenew: {
    numberOfKeys: 1,
    lua: `
if redis.call('HGET', KEYS[1], 'token') ~= ARGV[1] then return 0 end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1`,
  },

  // Semaphore: KEYS[1] free permits, KEYS[2] ZSET of held permit ids scored by expiry,
  // KEYS[3] the fencing counter. Expired permits come back first.
  // ARGV: permit id, lease. Returns {1, token} or {0, ms until the first lease runs out (-1: none)}.
  concSemAcquire: {
    numberOfKeys: 3,
    lua: `${NOW}
local expired = redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
if expired > 0 then redis.call('INCRBY', KEYS[1], expired) end
if tonumber(redis.call('GET', KEYS[1]) or '0') > 0 then
  redis.call('DECR', KEYS[1])
  redis.call('ZADD', KEYS[2], now + tonumber(ARGV[2]), ARGV[1])
  return {1, redis.call('INCR', KEYS[3])}
end
local first = redis.call('ZRANGE', KEYS[2], 0, 0, 'WITHSCORES')
if first[2] then return {0, tonumber(first[2]) - now} end
return {0, -1}`,
  },
  // KEYS[1] free permits, KEYS[2] held permits. ARGV: n, bounded ('1'/'0'), initial value,
  // channel, then the ids of this thread's permits to give back (at most n).
  concSemRelease: {
    numberOfKeys: 2,
    lua: `${NOW}
local expired = redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
if expired > 0 then redis.call('INCRBY', KEYS[1], expired) end
for i = 5, #ARGV do
  if not redis.call('ZSCORE', KEYS[2], ARGV[i]) then
    return redis.error_reply('LEASE the lease of this permit ran out before the release: its permit was already given back')
  end
end
local n = tonumber(ARGV[1])
local free = tonumber(redis.call('GET', KEYS[1]) or '0')
if ARGV[2] == '1' and free + n > tonumber(ARGV[3]) then
  return redis.error_reply('STATE Semaphore released too many times')
end
for i = 5, #ARGV do redis.call('ZREM', KEYS[2], ARGV[i]) end
redis.call('INCRBY', KEYS[1], n)
redis.call('PUBLISH', ARGV[4], 'r')
return free + n`,
  },
  // KEYS[1] free permits, KEYS[2] held permits. Returns the free permits (expired ones back).
  concSemValue: {
    numberOfKeys: 2,
    lua: `${NOW}
local expired = redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
if expired > 0 then return redis.call('INCRBY', KEYS[1], expired) end
return tonumber(redis.call('GET', KEYS[1]) or '0')`,
  },
  // KEYS[1] held permits. ARGV: lease, ids. Returns how many of them were still held (and renewed).
  concSemRenew: {
    numberOfKeys: 1,
    lua: `${NOW}
local held = 0
for i = 2, #ARGV do
  if redis.call('ZSCORE', KEYS[1], ARGV[i]) then
    redis.call('ZADD', KEYS[1], 'XX', now + tonumber(ARGV[1]), ARGV[i])
    held = held + 1
  end
end
return held`,
  },

  // Event: KEYS[1] the flag. ARGV: channel.
  concEventSet: {
    numberOfKeys: 1,
    lua: `redis.call('SET', KEYS[1], '1') redis.call('PUBLISH', ARGV[1], 's') return 1`,
  },

  // Condition: KEYS[1] waiters ZSET (id by arrival), KEYS[2] notified SET, KEYS[3] the
  // waiters' leases (id by when it ends: a waiter renews it at each check, so one whose
  // process died is skipped by notify), KEYS[4] arrival counter. ARGV: waiter id, lease.
  concCondEnter: {
    numberOfKeys: 4,
    lua: `${NOW}
redis.call('ZADD', KEYS[1], redis.call('INCR', KEYS[4]), ARGV[1])
redis.call('ZADD', KEYS[3], now + tonumber(ARGV[2]), ARGV[1])
return 1`,
  },
  // ARGV: n, channel. Moves the n earliest live waiters to the notified set (dead ones are dropped).
  concCondNotify: {
    numberOfKeys: 3,
    lua: `${NOW}
local n = 0
while n < tonumber(ARGV[1]) do
  local popped = redis.call('ZPOPMIN', KEYS[1], 1)
  if #popped == 0 then break end
  local id = popped[1]
  local ends = redis.call('ZSCORE', KEYS[3], id)
  if ends and tonumber(ends) >= now then
    redis.call('SADD', KEYS[2], id)
    n = n + 1
  else
    redis.call('ZREM', KEYS[3], id)
  end
end
if n > 0 then redis.call('PUBLISH', ARGV[2], 'n') end
return n`,
  },
  // ARGV: waiter id, lease. 1 when it was notified (and takes the notification), 0 when still
  // waiting (its lease renewed).
  concCondCheck: {
    numberOfKeys: 3,
    lua: `${NOW}
if redis.call('SREM', KEYS[2], ARGV[1]) == 1 then
  redis.call('ZREM', KEYS[3], ARGV[1])
  return 1
end
redis.call('ZADD', KEYS[3], now + tonumber(ARGV[2]), ARGV[1])
return 0`,
  },
  // ARGV: waiter id. Leaves the wait; 1 when a notification came first (and is taken).
  concCondLeave: {
    numberOfKeys: 3,
    lua: `
redis.call('ZREM', KEYS[3], ARGV[1])
if redis.call('ZREM', KEYS[1], ARGV[1]) == 1 then return 0 end
return redis.call('SREM', KEYS[2], ARGV[1])`,
  },

  // Barrier: KEYS[1] state {gen, count, broken}, KEYS[2] broken generations, KEYS[3] the
  // waiters of the current generation, scored by when their lease ends (a waiter renews it at
  // each check; one whose process died lets it run out, which breaks the barrier).
  // ARGV: parties, channel, waiter id, lease. Returns {index, generation, passed now}.
  concBarrierArrive: {
    numberOfKeys: 3,
    lua: `${NOW}
if redis.call('HGET', KEYS[1], 'broken') == '1' then return redis.error_reply('BROKEN the barrier is broken') end
local gen = tonumber(redis.call('HGET', KEYS[1], 'gen') or '0')
local count = redis.call('HINCRBY', KEYS[1], 'count', 1)
if count >= tonumber(ARGV[1]) then
  redis.call('HSET', KEYS[1], 'gen', gen + 1, 'count', 0)
  redis.call('DEL', KEYS[3])
  redis.call('PUBLISH', ARGV[2], 'p')
  return {count - 1, gen, 1}
end
redis.call('ZADD', KEYS[3], now + tonumber(ARGV[4]), ARGV[3])
return {count - 1, gen, 0}`,
  },
  // ARGV: generation, channel, waiter id, lease. Returns 1 passed, 0 still waiting, -1 broken
  // (also when a waiter's lease ran out: it breaks the barrier for everyone).
  concBarrierCheck: {
    numberOfKeys: 3,
    lua: `${NOW}
local gen = tonumber(redis.call('HGET', KEYS[1], 'gen') or '0')
if gen ~= tonumber(ARGV[1]) then
  if redis.call('HEXISTS', KEYS[2], ARGV[1]) == 1 then return -1 end
  return 1
end
if redis.call('HGET', KEYS[1], 'broken') == '1' then return -1 end
redis.call('ZADD', KEYS[3], 'XX', now + tonumber(ARGV[4]), ARGV[3])
if #redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', now, 'LIMIT', 0, 1) > 0 then
  redis.call('HSET', KEYS[1], 'broken', 1)
  redis.call('HSET', KEYS[2], ARGV[1], '1')
  redis.call('DEL', KEYS[3])
  redis.call('PUBLISH', ARGV[2], 'b')
  return -1
end
return 0`,
  },
  // ARGV: channel, generation ('' for the current one), reset ('1': start a fresh generation).
  // Breaks the generation (when it is still the current one, unless it already passed).
  concBarrierBreak: {
    numberOfKeys: 3,
    lua: `
local gen = redis.call('HGET', KEYS[1], 'gen') or '0'
if ARGV[2] ~= '' and ARGV[2] ~= gen then return 0 end
if ARGV[3] == '1' then
  if tonumber(redis.call('HGET', KEYS[1], 'count') or '0') > 0 or redis.call('HGET', KEYS[1], 'broken') == '1' then
    redis.call('HSET', KEYS[2], gen, '1')
  end
  redis.call('HSET', KEYS[1], 'gen', tonumber(gen) + 1, 'count', 0, 'broken', 0)
else
  redis.call('HSET', KEYS[1], 'broken', 1)
  redis.call('HSET', KEYS[2], gen, '1')
end
redis.call('DEL', KEYS[3])
redis.call('PUBLISH', ARGV[1], 'b')
return 1`,
  },

  // Queue: KEYS[1] items, KEYS[2] state {unfinished, shutdown}. ARGV: item, maxsize, channel.
  // Returns 1 put, 0 full.
  concQueuePut: {
    numberOfKeys: 2,
    lua: `
if redis.call('HGET', KEYS[2], 'shutdown') then return redis.error_reply('SHUTDOWN the queue is shut down') end
local max = tonumber(ARGV[2])
if max > 0 and redis.call('LLEN', KEYS[1]) >= max then return 0 end
redis.call('RPUSH', KEYS[1], ARGV[1])
redis.call('HINCRBY', KEYS[2], 'unfinished', 1)
redis.call('PUBLISH', ARGV[3], 'p')
return 1`,
  },
  // ARGV: channel. Returns the item, or nil when empty.
  concQueueGet: {
    numberOfKeys: 2,
    lua: `
local down = redis.call('HGET', KEYS[2], 'shutdown')
if down == 'i' then return redis.error_reply('SHUTDOWN the queue is shut down') end
local item = redis.call('LPOP', KEYS[1])
if item then
  redis.call('PUBLISH', ARGV[1], 'g')
  return item
end
if down then return redis.error_reply('SHUTDOWN the queue is shut down and empty') end
return false`,
  },
  concQueueTaskDone: {
    numberOfKeys: 2,
    lua: `
local left = tonumber(redis.call('HGET', KEYS[2], 'unfinished') or '0')
if left <= 0 then return redis.error_reply('STATE taskDone() called too many times') end
left = redis.call('HINCRBY', KEYS[2], 'unfinished', -1)
if left == 0 then redis.call('PUBLISH', ARGV[1], 'd') end
return left`,
  },
  // ARGV: channel, immediate ('1'/'0').
  concQueueShutdown: {
    numberOfKeys: 2,
    lua: `
if ARGV[2] == '1' then
  redis.call('HSET', KEYS[2], 'shutdown', 'i')
  local dropped = redis.call('LLEN', KEYS[1])
  redis.call('DEL', KEYS[1])
  local left = tonumber(redis.call('HGET', KEYS[2], 'unfinished') or '0') - dropped
  if left < 0 then left = 0 end
  redis.call('HSET', KEYS[2], 'unfinished', left)
elseif not redis.call('HGET', KEYS[2], 'shutdown') then
  redis.call('HSET', KEYS[2], 'shutdown', '1')
end
redis.call('PUBLISH', ARGV[1], 's')
return 1`,
  },

  // Dict: KEYS[1] values HASH, KEYS[2] insertion order ZSET, KEYS[3] meta (its 'seq' field).
  // A single set is a plain HSET (one round trip, no script); when the field was new, this
  // records its place in the order (if it is still there).
  concDictOrder: {
    numberOfKeys: 3,
    lua: `
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call('ZADD', KEYS[2], redis.call('HINCRBY', KEYS[3], 'seq', 1), ARGV[1])
return 1`,
  },
  // ARGV: field, value, ... Returns how many fields were new.
  concDictSet: {
    numberOfKeys: 3,
    lua: `
local added = 0
for i = 1, #ARGV, 2 do
  if redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) == 1 then
    redis.call('ZADD', KEYS[2], redis.call('HINCRBY', KEYS[3], 'seq', 1), ARGV[i])
    added = added + 1
  end
end
return added`,
  },
  // ARGV: field, value. Returns the value the field has afterwards.
  concDictSetdefault: {
    numberOfKeys: 3,
    lua: `
local old = redis.call('HGET', KEYS[1], ARGV[1])
if old then return old end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('ZADD', KEYS[2], redis.call('HINCRBY', KEYS[3], 'seq', 1), ARGV[1])
return ARGV[2]`,
  },
  // ARGV: field. Returns the removed value, or nil.
  concDictPop: {
    numberOfKeys: 2,
    lua: `
local old = redis.call('HGET', KEYS[1], ARGV[1])
if not old then return false end
redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('ZREM', KEYS[2], ARGV[1])
return old`,
  },
  // Returns {fields, values} in insertion order: the ordered fields still present, then any
  // field set but not yet ordered (its writer's second step is on its way), newest anyway.
  concDictItems: {
    numberOfKeys: 2,
    lua: `
local ordered = redis.call('ZRANGE', KEYS[2], 0, -1)
local fields, values, seen = {}, {}, {}
for j = 1, #ordered, 1000 do
  local part = redis.call('HMGET', KEYS[1], unpack(ordered, j, math.min(j + 999, #ordered)))
  for k = 1, #part do
    if part[k] then
      local field = ordered[j + k - 1]
      fields[#fields + 1] = field
      values[#values + 1] = part[k]
      seen[field] = true
    end
  end
end
if #fields < redis.call('HLEN', KEYS[1]) then
  local all = redis.call('HGETALL', KEYS[1])
  for j = 1, #all, 2 do
    if not seen[all[j]] then
      fields[#fields + 1] = all[j]
      values[#values + 1] = all[j + 1]
    end
  end
end
return {fields, values}`,
  },

  // List: KEYS[1] items. ARGV: index, value. Python's insert: the index is clamped.
  concListInsert: {
    numberOfKeys: 1,
    lua: `${PUSH_ALL}
local len = redis.call('LLEN', KEYS[1])
local i = tonumber(ARGV[1])
if i < 0 then i = i + len end
if i <= 0 then return redis.call('LPUSH', KEYS[1], ARGV[2]) end
if i >= len then return redis.call('RPUSH', KEYS[1], ARGV[2]) end
local tail = redis.call('LRANGE', KEYS[1], i, -1)
redis.call('LTRIM', KEYS[1], 0, i - 1)
redis.call('RPUSH', KEYS[1], ARGV[2])
pushAll(KEYS[1], tail)
return len + 1`,
  },
  // ARGV: index. Returns the removed item; an error when out of range.
  concListPop: {
    numberOfKeys: 1,
    lua: `${PUSH_ALL}
local len = redis.call('LLEN', KEYS[1])
if len == 0 then return redis.error_reply('RANGE pop from empty list') end
local i = tonumber(ARGV[1])
if i < 0 then i = i + len end
if i < 0 or i >= len then return redis.error_reply('RANGE pop index out of range') end
if i == len - 1 then return redis.call('RPOP', KEYS[1]) end
if i == 0 then return redis.call('LPOP', KEYS[1]) end
local item = redis.call('LINDEX', KEYS[1], i)
local tail = redis.call('LRANGE', KEYS[1], i + 1, -1)
redis.call('LTRIM', KEYS[1], 0, i - 1)
pushAll(KEYS[1], tail)
return item`,
  },
} as const;

type ScriptName = keyof typeof scripts;

/** The scripts as commands of an ioredis connection (each also as `<name>Buffer`, replying Buffers). @internal */
export type Scripts = {
  [K in ScriptName]: (...args: (string | number | Buffer)[]) => Promise<unknown>;
} & {
  [K in ScriptName as `${K}Buffer`]: (...args: (string | number | Buffer)[]) => Promise<unknown>;
};

/** Defines the scripts on `redis` (EVALSHA, loading a script Redis lost after a restart). @internal */
export function defineScripts(redis: Redis): void {
  for (const [name, script] of Object.entries(scripts)) {
    redis.defineCommand(name, { lua: script.lua, ...('numberOfKeys' in script ? { numberOfKeys: script.numberOfKeys } : {}) });
  }
}
