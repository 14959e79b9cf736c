-- Delete a post (a mood, or a blog with its feed entry) with its comments and likes,
-- and drop its id from the sorted sets that index it (the author's timeline, a kind's
-- list).
-- KEYS: the post's hash (the one seal_mood.lua marked), its comments sorted set, its
-- likes set, then ARGV[2] sorted sets to remove the id from, then more keys to delete
-- (a blog's feed entry), then the hash of every comment the caller saw.
-- ARGV: the id, the number of sorted sets, the number of more keys, then the comment ids
-- the caller saw, in id order.
-- Returns 1 deleted, 0 no such post, -1 the comments changed since the caller read them
-- (read again and retry: every key a script touches is named in KEYS).
if redis.call('EXISTS', KEYS[1]) == 0 then
  return 0
end
local sets, more = tonumber(ARGV[2]), tonumber(ARGV[3])
local ids = redis.call('ZRANGE', KEYS[2], 0, -1)
if #ids ~= #ARGV - 3 then
  return -1
end
for i = 1, #ids do
  if ids[i] ~= ARGV[i + 3] then
    return -1
  end
end
redis.call('DEL', KEYS[1], KEYS[2], KEYS[3])
for i = 4, 3 + sets do
  redis.call('ZREM', KEYS[i], ARGV[1])
end
for i = 4 + sets, #KEYS, 500 do
  redis.call('DEL', unpack(KEYS, i, math.min(i + 499, #KEYS)))
end
return 1
