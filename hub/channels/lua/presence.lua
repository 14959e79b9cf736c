-- A user's first connection on a node opened (ARGV[2] = "1") or its last one closed ("0").
-- KEYS: the user's conns hash (node id -> 1), the nodes sorted set (node id -> expiry ms),
--       the node's users set.
-- ARGV: the node's id, "1"/"0", the username. Returns how many OTHER live nodes hold the user, dropping
-- entries of nodes whose heartbeat expired (a crashed node never says goodbye).
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local others = 0
for _, node in ipairs(redis.call('HKEYS', KEYS[1])) do
  if node ~= ARGV[1] then
    local expires = redis.call('ZSCORE', KEYS[2], node)
    if expires and tonumber(expires) > now then
      others = others + 1
    else
      redis.call('HDEL', KEYS[1], node)
    end
  end
end
if ARGV[2] == '1' then
  redis.call('HSET', KEYS[1], ARGV[1], 1)
  redis.call('SADD', KEYS[3], ARGV[3])
else
  redis.call('HDEL', KEYS[1], ARGV[1])
  redis.call('SREM', KEYS[3], ARGV[3])
end
return others
