-- Keep this node listed as alive until Redis time + ARGV[2] ms; drop long-dead nodes.
-- KEYS: the nodes sorted set. ARGV: node id, ttl ms.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - 86400000)
return now
