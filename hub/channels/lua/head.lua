-- The inbox head of one user, giving a new inbox its epoch.
-- KEYS: meta hash, inbox stream. ARGV: epoch for a new inbox.
-- Returns {epoch, seq, frame of seq (nil when the inbox is empty or lost its stream)}:
-- a tab told this position keeps that frame, to check after a Redis crash that the
-- inbox still holds it (see Broker.replay).
local epoch = redis.call('HGET', KEYS[1], 'epoch')
if not epoch then
  epoch = ARGV[1]
  redis.call('DEL', KEYS[2])
  redis.call('HSET', KEYS[1], 'epoch', epoch, 'seq', 0)
  return {epoch, 0}
end
local seq = tonumber(redis.call('HGET', KEYS[1], 'seq') or '0')
local last = redis.call('XREVRANGE', KEYS[2], '+', '-', 'COUNT', 1)[1]
if seq > 0 and last and last[1] == seq .. '-0' then
  return {epoch, seq, last[2][2]}
end
return {epoch, seq}
