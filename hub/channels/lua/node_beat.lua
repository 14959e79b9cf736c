-- Keep this node listed as alive until Redis time + ARGV[2] ms.
-- Returns {Redis time ms, 1 if the node was not listed (new, or swept as dead)}.
-- KEYS: the nodes sorted set. ARGV: node id, ttl ms.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local added = redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
return {now, added}
