/** Pieces of Lua the manager's scripts share. @internal */

// Milliseconds since the epoch, from Redis's clock (one clock for every client).
export const NOW = `local t = redis.call('TIME') local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`;

// RPUSH of a table in pieces: Lua's unpack has a bounded stack.
export const PUSH_ALL = `local function pushAll(key, items) for j = 1, #items, 1000 do redis.call('RPUSH', key, unpack(items, j, math.min(j + 999, #items))) end end`;
