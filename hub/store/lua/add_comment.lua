-- Store a comment on a mood, only while the mood exists and is not being deleted (so a
-- comment racing the mood's deletion leaves no orphan keys, and seal_mood.lua's mark
-- freezes the comment list a deletion must read), and, given a writes hash, only within
-- the author's cap of writes into the mood owner's space (store.base.SpaceQuota).
-- KEYS: mood hash, the mood's comments sorted set, the new comment hash, and optionally
--       the owner's writes hash of this window.
-- ARGV: comment id, author, cap, lifetime of the writes hash (s), then field, value, ...
--       of the comment. Returns 1 stored, 0 no mood, -1 over the cap (nothing stored).
if redis.call('EXISTS', KEYS[1]) == 0 or redis.call('HEXISTS', KEYS[1], 'deleting') == 1 then
  return 0
end
if KEYS[4] then
  if tonumber(redis.call('HGET', KEYS[4], ARGV[2]) or '0') >= tonumber(ARGV[3]) then
    return -1
  end
  redis.call('HINCRBY', KEYS[4], ARGV[2], 1)
  redis.call('EXPIRE', KEYS[4], ARGV[4])
end
redis.call('HSET', KEYS[3], unpack(ARGV, 5))
redis.call('ZADD', KEYS[2], ARGV[1], ARGV[1])
return 1
