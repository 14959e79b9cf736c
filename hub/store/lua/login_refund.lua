-- Give back the check a login reserved (its password was right): one more in each
-- bucket, never past the burst. A bucket that expired meanwhile is full already.
-- KEYS: the username's bucket, the (username, address) bucket (login_reserve.lua).
-- ARGV: now (ms), user burst, user every (ms), pair burst, pair every (ms).
local now = tonumber(ARGV[1])
for i = 1, 2 do
  local burst, every = tonumber(ARGV[2 * i]), tonumber(ARGV[2 * i + 1])
  local state = redis.call('HMGET', KEYS[i], 't', 's')
  if state[1] then
    local elapsed = math.max(0, now - tonumber(state[2]))
    local tokens = math.min(burst, tonumber(state[1]) + elapsed / every + 1)
    redis.call('HSET', KEYS[i], 't', tostring(tokens), 's', ARGV[1])
    redis.call('PEXPIRE', KEYS[i], burst * every)
  end
end
return 1
