-- Mark notifications read (all of them when no id is given) and tell every tab.
-- KEYS: the notes sorted set, unread set, live channel. ARGV: ts (ms), note ids...
-- Returns the unread count after.
if #ARGV == 1 then
  redis.call('DEL', KEYS[2])
else
  for i = 2, #ARGV do
    local found = redis.call('ZRANGEBYSCORE', KEYS[1], ARGV[i], ARGV[i])
    if found[1] then
      redis.call('SREM', KEYS[2], found[1])
    end
  end
end
local count = redis.call('SCARD', KEYS[2])
redis.call('PUBLISH', KEYS[3], '{"type":"event","event":"notify","ts":' .. ARGV[1] ..
  ',"data":{"unread":' .. count .. '}}')
return count
