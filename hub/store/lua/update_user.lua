-- Update fields of an existing account (never creating one) and read it back.
-- KEYS: the user hash. ARGV: field, value, ... Returns HGETALL, or nil for no such user.
if redis.call('EXISTS', KEYS[1]) == 0 then
  return false
end
if #ARGV > 0 then
  redis.call('HSET', KEYS[1], unpack(ARGV))
end
return redis.call('HGETALL', KEYS[1])
