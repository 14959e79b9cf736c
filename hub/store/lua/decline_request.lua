-- Withdraw a pending friend request as declined, remembering when, so that it cannot be
-- sent again at once (add_request.lua); declines older than the cooldown are pruned.
-- KEYS: requester's outgoing set, target's incoming set, target's declined sorted set.
-- ARGV: requester, target, now (ms), cooldown (ms). Returns 1 declined, 0 none pending.
local removed = redis.call('SREM', KEYS[1], ARGV[2])
redis.call('SREM', KEYS[2], ARGV[1])
if removed == 0 then
  return 0
end
local now = tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now - tonumber(ARGV[4]))
redis.call('ZADD', KEYS[3], now, ARGV[1])
redis.call('PEXPIRE', KEYS[3], ARGV[4])
return 1
