-- Delete one comment: its hash and its id in its post's comments sorted set.
-- KEYS: the comment hash, the post's comments sorted set. ARGV: the comment id.
-- Returns 1 deleted, 0 no such comment (deleted already, or with its post).
if redis.call('EXISTS', KEYS[1]) == 0 then
  return 0
end
redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[1])
return 1
