-- Which users are online on any live node.
-- KEYS: the nodes sorted set, then each user's conns hash. Returns 1/0 per user.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local result = {}
for i = 2, #KEYS do
  local online = 0
  for _, node in ipairs(redis.call('HKEYS', KEYS[i])) do
    local expires = redis.call('ZSCORE', KEYS[1], node)
    if expires and tonumber(expires) > now then
      online = 1
      break
    end
  end
  result[#result + 1] = online
end
return result
