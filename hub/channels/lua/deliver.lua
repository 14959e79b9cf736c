-- Append one event to the inbox of every recipient and publish it live.
-- KEYS: for each recipient, its meta hash, inbox stream and live channel (3 keys each);
--       then, in mode 'ingress', the ingress stream; in mode 'known', the usernames set.
--       In mode 'checked': 4 keys per recipient, its meta, inbox, live and friends set,
--       and a 5th, its group memberships set, when the event is for groups.
-- ARGV: event body (JSON object, shared), inbox retention, epoch for a new inbox, mode;
--       then, in mode 'ingress', the consumer group and the entry id; in mode 'known',
--       every recipient's username; in mode 'checked', the owner's username (or ''), the
--       actor's (or ''), one flag digit per recipient (the sum of: 1 check the owner's
--       friendship, 2 check the actor's, 4 check the owner's groups; the owner and the
--       actor are not checked against themselves), then how many group tokens follow,
--       and the tokens ('<owner>\0<group>', as the memberships sets hold them).
-- Returns the new seq of each recipient, in KEYS order — or nil for an ingress entry that
-- was already acknowledged: acking and delivering in one script is what makes ingress
-- exactly-once even when a node dies between reading an entry and acking it — or, in
-- mode 'known', the usernames that are not registered (then nothing is delivered): the
-- check rides in the same round trip as the fan-out. In mode 'checked', a recipient who
-- is no longer the owner's friend (a friends-only event of the owner's) is skipped and
-- gets 0: checked here, atomically with the write, an unfriend and a delivery are
-- ordered, so nobody receives a friends-only event after their `friend.removed`; one
-- in none of the owner's groups the event is for is skipped the same way. A
-- recipient who is not the actor's friend gets the event live only and -1: published
-- without id or seq, written to no inbox, so that nobody who is not a friend can push a
-- user's friends' events out of the retained inbox. Each check reads the recipient's
-- own friends set, in the recipient's slot.
--
-- The frame built here is byte-for-byte hub.protocol.frame_event(epoch..":"..seq, seq, body):
-- the position travels in-band, and a node forwards the published bytes untouched.
local body, retention, new_epoch, mode = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local tail = string.sub(body, 2)
local seqs = {}
local n = #KEYS
if mode == 'ingress' then
  if redis.call('XACK', KEYS[n], ARGV[5], ARGV[6]) == 0 then
    return false
  end
  n = n - 1
elseif mode == 'known' then
  local usernames = KEYS[n]
  n = n - 1
  local unknown = {}
  -- one ZMSCORE per 1,000 names, not a ZSCORE per name (unpack is bounded by Lua's stack)
  for first = 5, #ARGV, 1000 do
    local last = math.min(first + 999, #ARGV)
    local scores = redis.call('ZMSCORE', usernames, unpack(ARGV, first, last))
    for j = 1, last - first + 1 do
      if not scores[j] then
        unknown[#unknown + 1] = ARGV[first + j - 1]
      end
    end
  end
  if #unknown > 0 then
    return unknown
  end
end
local function write(meta, inbox, live)
  local epoch = redis.call('HGET', meta, 'epoch')
  if not epoch then
    -- A new inbox, or one whose history was lost: whatever stream is left is of no epoch.
    epoch = new_epoch
    redis.call('DEL', inbox)
    redis.call('HSET', meta, 'epoch', epoch, 'seq', 0)
  end
  local seq = redis.call('HINCRBY', meta, 'seq', 1)
  local frame = '{"type":"event","id":"' .. epoch .. ':' .. seq .. '","seq":' .. seq .. ',' .. tail
  redis.call('XADD', inbox, 'MAXLEN', '~', retention, seq .. '-0', 'frame', frame)
  redis.call('PUBLISH', live, frame)
  seqs[#seqs + 1] = seq
end
if mode == 'checked' then
  local owner, actor, flags = ARGV[5], ARGV[6], ARGV[7]
  local groups = tonumber(ARGV[8] or '0')
  local step = groups > 0 and 5 or 4
  local live_only
  local function in_groups(key)
    for g = 9, 8 + groups do
      if redis.call('SISMEMBER', key, ARGV[g]) == 1 then
        return true
      end
    end
    return false
  end
  for i = 1, n, step do
    local flag = string.byte(flags, (i - 1) / step + 1) - 48
    if (flag % 2 == 1 and redis.call('SISMEMBER', KEYS[i + 3], owner) == 0)
        or (flag >= 4 and not in_groups(KEYS[i + 4])) then
      seqs[#seqs + 1] = 0
    elseif flag % 4 >= 2 and redis.call('SISMEMBER', KEYS[i + 3], actor) == 0 then
      live_only = live_only or ('{"type":"event",' .. tail)  -- protocol.frame_live_only
      redis.call('PUBLISH', KEYS[i + 2], live_only)
      seqs[#seqs + 1] = -1
    else
      write(KEYS[i], KEYS[i + 1], KEYS[i + 2])
    end
  end
  return seqs
end
for i = 1, n, 3 do
  write(KEYS[i], KEYS[i + 1], KEYS[i + 2])
end
return seqs
