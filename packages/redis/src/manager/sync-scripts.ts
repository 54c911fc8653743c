import { NOW } from './script-parts.js';

/**
 * The Lua scripts of the synchronisation objects (Lock, RLock, Semaphore, Event, Condition,
 * Barrier): see scripts.ts for the conventions. @internal
 */
export const syncScripts = {
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

} as const;
