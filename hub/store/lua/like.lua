-- Like a mood (idempotent), only while the mood exists and is not being deleted.
-- KEYS: mood hash, the mood's likes set. ARGV: username.
-- Returns {1 if added else 0, like count after}; {0, 0} for a missing mood.
if redis.call('EXISTS', KEYS[1]) == 0 or redis.call('HEXISTS', KEYS[1], 'deleting') == 1 then
  return {0, 0}
end
local added = redis.call('SADD', KEYS[2], ARGV[1])
return {added, redis.call('SCARD', KEYS[2])}
