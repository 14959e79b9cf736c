-- Update fields of an existing account (never creating one) and read it back. A new
-- display_name moves the account's member of the display-name index with it (and a
-- missing one, of an account made before the index, is added).
-- KEYS: the user hash, the global display-name index (another slot: docs/redis.md).
-- ARGV: field, value, ... Returns HGETALL, or nil for no such user.
if redis.call('EXISTS', KEYS[1]) == 0 then
  return false
end

-- store/usersearch.py `name_member`: A-Z lowercased (nothing else), NUL, username
local function member(name, user)
  local low = string.gsub(name, '[A-Z]', function (c) return string.char(c:byte() + 32) end)
  return low .. '\0' .. user
end

local new
for i = 1, #ARGV, 2 do
  if ARGV[i] == 'display_name' then
    new = ARGV[i + 1]
  end
end
if new then
  local user = redis.call('HGET', KEYS[1], 'username')
  local old = redis.call('HGET', KEYS[1], 'display_name')
  if old then
    redis.call('ZREM', KEYS[2], member(old, user))
  end
  redis.call('ZADD', KEYS[2], 0, member(new, user))
end
if #ARGV > 0 then
  redis.call('HSET', KEYS[1], unpack(ARGV))
end
return redis.call('HGETALL', KEYS[1])
