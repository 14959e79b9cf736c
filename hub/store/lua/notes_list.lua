-- A page of a user's notifications, newest first.
-- KEYS: the notes sorted set, data hash, unread set.
-- ARGV: upper bound ("(<id>" or "+inf"), how many.
-- Returns {note JSON, 1 if unread else 0, ...}.
local causes = redis.call('ZREVRANGEBYSCORE', KEYS[1], ARGV[1], '-inf', 'LIMIT', 0, ARGV[2])
local out = {}
for _, cause in ipairs(causes) do
  local note = redis.call('HGET', KEYS[2], cause)
  if note then
    out[#out + 1] = note
    out[#out + 1] = redis.call('SISMEMBER', KEYS[3], cause)
  end
end
return out
