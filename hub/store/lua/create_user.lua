-- Create an account unless the username is taken, and index its display name.
-- KEYS: the user hash, the global display-name index (another slot: docs/redis.md).
-- ARGV: the index member (store/usersearch.py `name_member`), then field, value, ...
-- of the record. Returns 1 created, 0 taken (and then indexes nothing).
if redis.call('EXISTS', KEYS[1]) == 1 then
  return 0
end
redis.call('HSET', KEYS[1], unpack(ARGV, 2))
redis.call('ZADD', KEYS[2], 0, ARGV[1])
return 1
