-- Change a post's feed entry (and a blog's body), moving it between the author's sorted
-- sets when its visibility changes — only while it exists, is not being deleted, and
-- still has the visibility the caller read (else the caller reads again).
-- KEYS: the feed entry hash, the hash sealed for deletion (the entry itself, or the
--       blog's), then pairs of (sorted set to leave, sorted set to join).
-- ARGV: the id, the visibility read, the blog body or "" for none (with a "1"/"0" flag
--       next), then field, value, ... for the entry.
-- Returns 1 changed, 0 no such post, -1 its visibility changed meanwhile.
if redis.call('EXISTS', KEYS[1]) == 0 or redis.call('HEXISTS', KEYS[2], 'deleting') == 1 then
  return 0
end
if redis.call('HGET', KEYS[1], 'visibility') ~= ARGV[2] then
  return -1
end
if ARGV[4] == '1' then
  redis.call('HSET', KEYS[2], 'body', ARGV[3])
end
if #ARGV > 4 then
  redis.call('HSET', KEYS[1], unpack(ARGV, 5))
end
for i = 3, #KEYS, 2 do
  if KEYS[i] ~= KEYS[i + 1] then
    redis.call('ZREM', KEYS[i], ARGV[1])
    redis.call('ZADD', KEYS[i + 1], ARGV[1], ARGV[1])
  end
end
return 1
