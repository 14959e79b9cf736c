-- Comment counts of several moods with the ids of their latest comments.
-- KEYS: the comments sorted sets. ARGV: how many latest ids per mood (> 0).
-- Returns {count1, {ids1 newest first}, count2, {ids2}, ...}.
local out = {}
local last = tonumber(ARGV[1]) - 1
for i = 1, #KEYS do
  out[2 * i - 1] = redis.call('ZCARD', KEYS[i])
  out[2 * i] = redis.call('ZREVRANGE', KEYS[i], 0, last)
end
return out
