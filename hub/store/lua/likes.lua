-- Like counts of several moods and whether the viewer likes each.
-- KEYS: the likes sets. ARGV: viewer. Returns {count1, liked1, count2, liked2, ...}.
local out = {}
for i = 1, #KEYS do
  out[2 * i - 1] = redis.call('SCARD', KEYS[i])
  out[2 * i] = redis.call('SISMEMBER', KEYS[i], ARGV[1])
end
return out
