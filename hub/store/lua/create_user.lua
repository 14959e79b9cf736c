-- Create an account unless the username is taken.
-- KEYS: the user hash. ARGV: field, value, ... of the record. Returns 1 created, 0 taken.
if redis.call('EXISTS', KEYS[1]) == 1 then
  return 0
end
redis.call('HSET', KEYS[1], unpack(ARGV))
return 1
