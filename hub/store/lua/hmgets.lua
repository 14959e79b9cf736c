-- HMGET of the same fields from many hashes, as one command: one reply to parse
-- instead of one per hash.
-- KEYS: the hashes. ARGV: the fields. Returns one array of values per key (nil: missing).
local out = {}
for i = 1, #KEYS do
  out[i] = redis.call('HMGET', KEYS[i], unpack(ARGV))
end
return out
