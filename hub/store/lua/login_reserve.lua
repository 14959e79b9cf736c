-- Reserve one login attempt and read the account, in one round trip (hub/lockout.py
-- owns the policy; `level` here mirrors lockout.level). Both buckets give one check,
-- or neither does, so parallel guesses check at most what the buckets hold.
-- KEYS: the account hash, the username's bucket, the (username, address) bucket — all
-- under the user's hash tag. A bucket is a hash `t` (checks left), `s` (ms when `t`
-- was left); a missing one is full.
-- ARGV: now (ms), user burst, user every (ms), pair burst, pair every (ms).
-- Returns {0, wait ms, 'user' | 'pair'} when refused (nothing taken), else
-- {1, HGETALL of the account} (empty: no such user; the attempt is reserved anyway).
local now = tonumber(ARGV[1])

local function level(key, burst, every)
  local state = redis.call('HMGET', key, 't', 's')
  if not state[1] then
    return burst
  end
  local elapsed = now - tonumber(state[2])
  if elapsed < 0 then
    elapsed = 0
  end
  return math.min(burst, tonumber(state[1]) + elapsed / every)
end

local buckets = {
  {KEYS[2], tonumber(ARGV[2]), tonumber(ARGV[3]), 'user'},
  {KEYS[3], tonumber(ARGV[4]), tonumber(ARGV[5]), 'pair'},
}
local wait, refused_by = 0, ''
for i, b in ipairs(buckets) do
  b[5] = level(b[1], b[2], b[3])
  if b[5] < 1 then
    local ms = math.max(1, math.ceil((1 - b[5]) * b[3] - 1e-6))  -- as lockout.wait_ms
    if ms > wait then
      wait, refused_by = ms, b[4]
    end
  end
end
if wait > 0 then
  return {0, wait, refused_by}
end
for i, b in ipairs(buckets) do
  redis.call('HSET', b[1], 't', tostring(b[5] - 1), 's', ARGV[1])
  redis.call('PEXPIRE', b[1], b[2] * b[3])  -- by then it is full: as good as missing
end
return {1, redis.call('HGETALL', KEYS[1])}
