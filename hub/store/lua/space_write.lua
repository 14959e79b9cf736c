-- Add a JSON record to a sorted set of the owner's space (a gift, a guestbook entry),
-- counting it against the author's cap of writes into that space (store.base.SpaceQuota):
-- checked and counted here, with the write, so the cap holds across every node.
-- KEYS: the owner's writes hash of this window, the sorted set.
-- ARGV: author, cap, lifetime of the writes hash (s), score, member.
-- Returns 1 stored, 0 over the cap (nothing stored).
if tonumber(redis.call('HGET', KEYS[1], ARGV[1]) or '0') >= tonumber(ARGV[2]) then
  return 0
end
redis.call('HINCRBY', KEYS[1], ARGV[1], 1)
redis.call('EXPIRE', KEYS[1], ARGV[3])
redis.call('ZADD', KEYS[2], ARGV[4], ARGV[5])
return 1
