-- Record a visit (the visitor's latest, by ts) and count it once per visitor and UTC day.
-- KEYS: the owner's visitors sorted set (visitor -> ts), the owner's visit counts hash
--       (`total`, and `d<day>` for the last days).
-- ARGV: visitor, ts (ms), ms per day. Returns 1 if this is the visitor's first visit of
-- the day (then counted), else 0.
local previous = redis.call('ZSCORE', KEYS[1], ARGV[1])
local ts, day_ms = tonumber(ARGV[2]), tonumber(ARGV[3])
redis.call('ZADD', KEYS[1], ts, ARGV[1])
local day = math.floor(ts / day_ms)
if previous and math.floor(tonumber(previous) / day_ms) == day then
  return 0
end
redis.call('HINCRBY', KEYS[2], 'total', 1)
redis.call('HINCRBY', KEYS[2], 'd' .. day, 1)
redis.call('HDEL', KEYS[2], 'd' .. (day - 2))  -- only today's is ever read
return 1
