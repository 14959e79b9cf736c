-- One change to a user's 与我相关 (hub.notes), then its `notify` frame on the user's
-- live channel, so that every tab of theirs shows the new unread count.
-- KEYS: the user's notes sorted set (cause -> id), notes data hash (cause -> note JSON),
--       unread set (causes), id counter, live channel.
-- ARGV: op ('add', 'withdraw' or 'about'), ts (ms), most notes kept, then
--       'add': the cause, the note as JSON beginning {"id":"" (the id is put in here);
--       'withdraw': the cause; 'about': what they are about, with the '|'.
-- Returns the unread count after (or -1 when nothing was withdrawn: no frame then).
local notes, data, unread, seq, live = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local op, ts, keep = ARGV[1], ARGV[2], tonumber(ARGV[3])

local function drop(causes)
  if #causes == 0 then
    return
  end
  for first = 1, #causes, 500 do
    local last = math.min(first + 499, #causes)
    redis.call('ZREM', notes, unpack(causes, first, last))
    redis.call('HDEL', data, unpack(causes, first, last))
    redis.call('SREM', unread, unpack(causes, first, last))
  end
end

local function notify(extra)
  local count = redis.call('SCARD', unread)
  redis.call('PUBLISH', live, '{"type":"event","event":"notify","ts":' .. ts ..
    ',"data":{"unread":' .. count .. extra .. '}}')
  return count
end

if op == 'add' then
  local cause = ARGV[4]
  drop({cause})  -- the same cause again: it moves up, unread
  local id = redis.call('INCR', seq)
  local note = '{"id":"' .. id .. '"' .. string.sub(ARGV[5], 9)
  redis.call('ZADD', notes, id, cause)
  redis.call('HSET', data, cause, note)
  redis.call('SADD', unread, cause)
  local excess = redis.call('ZCARD', notes) - keep
  if excess > 0 then
    drop(redis.call('ZRANGE', notes, 0, excess - 1))
  end
  return notify(',"note":' .. note)
end

local gone = {}
if op == 'withdraw' then
  if redis.call('ZSCORE', notes, ARGV[4]) then
    gone[1] = ARGV[4]
  end
else
  local prefix = ARGV[4]
  for _, cause in ipairs(redis.call('ZRANGE', notes, 0, -1)) do
    if string.sub(cause, 1, #prefix) == prefix then
      gone[#gone + 1] = cause
    end
  end
end
if #gone == 0 then
  return -1
end
drop(gone)
return notify(',"withdrawn":' .. cjson.encode(gone))
