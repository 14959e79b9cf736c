-- Delete a mood with its comments and likes, and drop it from its author's timeline.
-- KEYS: mood hash, comments sorted set, likes set, the author's moods sorted set of the
-- mood's visibility, then the hash of every comment the caller saw.
-- ARGV: mood id, then the comment ids the caller saw, in id order.
-- Returns 1 deleted, 0 no such mood, -1 the comments changed since the caller read them
-- (read again and retry: every key a script touches is named in KEYS).
if redis.call('EXISTS', KEYS[1]) == 0 then
  return 0
end
local ids = redis.call('ZRANGE', KEYS[2], 0, -1)
if #ids ~= #ARGV - 1 then
  return -1
end
for i = 1, #ids do
  if ids[i] ~= ARGV[i + 1] then
    return -1
  end
end
redis.call('DEL', KEYS[1], KEYS[2], KEYS[3])
redis.call('ZREM', KEYS[4], ARGV[1])
for i = 5, #KEYS, 500 do
  redis.call('DEL', unpack(KEYS, i, math.min(i + 499, #KEYS)))
end
return 1
