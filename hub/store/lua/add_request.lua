-- Record a pending friend request within its bounds (store.base.RequestRules and
-- SpaceQuota), all checked here with the write so they hold across every node.
-- KEYS: requester's outgoing set, target's incoming set, target's declined sorted set,
--       and optionally the target's writes hash of this window.
-- ARGV: requester, target, now (ms), cooldown (ms), most outgoing, most incoming,
--       '1' to check those bounds else '0', then (with the writes hash) cap and its
--       lifetime (s).
-- Returns {1} added, {0} already pending, or a refusal: {'declined', ms until allowed},
-- {'pending_out'}, {'pending_in'}, {'space_writes'}; a refusal writes nothing.
if redis.call('SISMEMBER', KEYS[1], ARGV[2]) == 1 then
  return {0}
end
if ARGV[7] == '1' then
  local declined = redis.call('ZSCORE', KEYS[3], ARGV[1])
  local now, cooldown = tonumber(ARGV[3]), tonumber(ARGV[4])
  if declined and now - tonumber(declined) < cooldown then
    return {'declined', tonumber(declined) + cooldown - now}
  end
  if redis.call('SCARD', KEYS[1]) >= tonumber(ARGV[5]) then
    return {'pending_out'}
  end
  if redis.call('SCARD', KEYS[2]) >= tonumber(ARGV[6]) then
    return {'pending_in'}
  end
end
if KEYS[4] then
  if tonumber(redis.call('HGET', KEYS[4], ARGV[1]) or '0') >= tonumber(ARGV[8]) then
    return {'space_writes'}
  end
  redis.call('HINCRBY', KEYS[4], ARGV[1], 1)
  redis.call('EXPIRE', KEYS[4], ARGV[9])
end
redis.call('SADD', KEYS[1], ARGV[2])
redis.call('SADD', KEYS[2], ARGV[1])
return {1}
