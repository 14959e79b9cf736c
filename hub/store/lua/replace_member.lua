-- Replace one member of a sorted set by another at the same score, only if the old one
-- is still there (compare and swap): a guestbook entry gaining its owner's reply.
-- KEYS: the sorted set. ARGV: the old member, the new member.
-- Returns 1 replaced, 0 the old member is gone (deleted, or changed meanwhile).
local score = redis.call('ZSCORE', KEYS[1], ARGV[1])
if not score then
  return 0
end
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('ZADD', KEYS[1], score, ARGV[2])
return 1
