-- Store a comment on a mood, only while the mood exists (so a comment racing the
-- mood's deletion leaves no orphan keys: it is as if it was deleted with the mood).
-- KEYS: mood hash, the mood's comments sorted set, the new comment hash.
-- ARGV: comment id, then field, value, ... of the comment. Returns 1 stored, 0 no mood.
if redis.call('EXISTS', KEYS[1]) == 0 then
  return 0
end
redis.call('HSET', KEYS[3], unpack(ARGV, 2))
redis.call('ZADD', KEYS[2], ARGV[1], ARGV[1])
return 1
