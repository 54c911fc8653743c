import { PUSH_ALL } from './script-parts.js';

/**
 * The Lua scripts that make objects and those of the data objects (Queue, dict, list): see
 * scripts.ts for the conventions. @internal
 */
export const dataScripts = {
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
