-- Grant up to ARGV[2] points for an action, at most ARGV[3] per (user, action, day).
-- KEYS: the user hash, the user's points hash of the day.
-- ARGV: action, points, daily cap, lifetime of the day's hash in seconds.
-- Returns {total before, total after}. A missing account earns nothing stored (no
-- partial user hash is ever created) but the day's tally still counts, as in SQLite.
local before = tonumber(redis.call('HGET', KEYS[1], 'points') or '0')
local earned = tonumber(redis.call('HGET', KEYS[2], ARGV[1]) or '0')
local grant = math.min(tonumber(ARGV[2]), tonumber(ARGV[3]) - earned)
if grant <= 0 then
  return {before, before}
end
redis.call('HINCRBY', KEYS[2], ARGV[1], grant)
redis.call('EXPIRE', KEYS[2], ARGV[4])
if redis.call('EXISTS', KEYS[1]) == 1 then
  redis.call('HINCRBY', KEYS[1], 'points', grant)
end
return {before, before + grant}
