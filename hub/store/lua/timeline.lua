-- The newest mood ids of several (author, visibility) timelines, merged here so only
-- `limit` ids travel back instead of `limit` per timeline.
-- KEYS: the moods sorted sets. ARGV: upper bound ("(<id>" or "+inf"), limit (< 0: all).
-- Returns the ids, newest first, as integers.
local limit = tonumber(ARGV[2])
local ids = {}
for i = 1, #KEYS do
  local found
  if limit >= 0 then
    found = redis.call('ZREVRANGEBYSCORE', KEYS[i], ARGV[1], '-inf', 'LIMIT', 0, limit)
  else
    found = redis.call('ZREVRANGEBYSCORE', KEYS[i], ARGV[1], '-inf')
  end
  for _, id in ipairs(found) do
    ids[#ids + 1] = tonumber(id)
  end
end
table.sort(ids, function(a, b) return a > b end)
if limit >= 0 and #ids > limit then
  for i = #ids, limit + 1, -1 do
    ids[i] = nil
  end
end
return ids
