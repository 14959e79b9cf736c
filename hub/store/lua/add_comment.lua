-- Store a comment on a mood, only while the mood exists and is not being deleted (so a
-- comment racing the mood's deletion leaves no orphan keys, and seal_mood.lua's mark
-- freezes the comment list a deletion must read).
-- KEYS: mood hash, the mood's comments sorted set, the new comment hash.
-- ARGV: comment id, then field, value, ... of the comment. Returns 1 stored, 0 no mood.
if redis.call('EXISTS', KEYS[1]) == 0 or redis.call('HEXISTS', KEYS[1], 'deleting') == 1 then
  return 0
end
redis.call('HSET', KEYS[3], unpack(ARGV, 2))
redis.call('ZADD', KEYS[2], ARGV[1], ARGV[1])
return 1
