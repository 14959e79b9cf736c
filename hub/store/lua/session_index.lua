-- Keep a user's index of logins: add one, drop those expired by Redis's clock (the
-- clock their session hashes expire by), and let the index expire with its last login,
-- so a user who never logs in again leaves nothing behind.
-- KEYS: the user's sessions sorted set (token hash → expiry ms).
-- ARGV: token hash, its expiry (ms). Returns the number of logins indexed.
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
if last[2] then
  redis.call('PEXPIREAT', KEYS[1], last[2])
end
return redis.call('ZCARD', KEYS[1])
