-- Take back a like (idempotent).
-- KEYS: the mood's likes set. ARGV: username.
-- Returns {1 if removed else 0, like count after}.
local removed = redis.call('SREM', KEYS[1], ARGV[1])
return {removed, redis.call('SCARD', KEYS[1])}
