-- The inbox head of one user, giving a new inbox its epoch.
-- KEYS: meta hash, inbox stream. ARGV: epoch for a new inbox. Returns {epoch, seq}.
local epoch = redis.call('HGET', KEYS[1], 'epoch')
if not epoch then
  epoch = ARGV[1]
  redis.call('DEL', KEYS[2])
  redis.call('HSET', KEYS[1], 'epoch', epoch, 'seq', 0)
  return {epoch, 0}
end
return {epoch, tonumber(redis.call('HGET', KEYS[1], 'seq') or '0')}
