-- Like a mood (idempotent), only while the mood exists.
-- KEYS: mood hash, the mood's likes set. ARGV: username.
-- Returns {1 if added else 0, like count after}; {0, 0} for a missing mood.
if redis.call('EXISTS', KEYS[1]) == 0 then
  return {0, 0}
end
local added = redis.call('SADD', KEYS[2], ARGV[1])
return {added, redis.call('SCARD', KEYS[2])}
