-- Append one event to the inbox of every recipient and publish it live.
-- KEYS: for each recipient, its meta hash, inbox stream and live channel (3 keys each);
--       then, in mode 'ingress', the ingress stream; in mode 'known', the usernames set.
--       In mode 'friends': first the owner's 3 keys if the owner is a recipient, then
--       for each other recipient its 3 keys and its friends set (4 keys each).
-- ARGV: event body (JSON object, shared), inbox retention, epoch for a new inbox, mode;
--       then, in mode 'ingress', the consumer group and the entry id; in mode 'known',
--       every recipient's username; in mode 'friends', the owner's username and '1'
--       if the owner's own keys come first, else '0'.
-- Returns the new seq of each recipient, in KEYS order — or nil for an ingress entry that
-- was already acknowledged: acking and delivering in one script is what makes ingress
-- exactly-once even when a node dies between reading an entry and acking it — or, in
-- mode 'known', the usernames that are not registered (then nothing is delivered): the
-- check rides in the same round trip as the fan-out. In mode 'friends' (a friends-only
-- event of the owner's), a recipient who is no longer the owner's friend is skipped and
-- gets 0: checked here, atomically with the write, an unfriend and a delivery are
-- ordered, so nobody receives a friends-only event after their `friend.removed`. Each
-- check reads the recipient's own friends set, in the recipient's slot.
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
if mode == 'friends' then
  local owner, first = ARGV[5], 1
  if ARGV[6] == '1' then
    write(KEYS[1], KEYS[2], KEYS[3])
    first = 4
  end
  for i = first, n, 4 do
    if redis.call('SISMEMBER', KEYS[i + 3], owner) == 1 then
      write(KEYS[i], KEYS[i + 1], KEYS[i + 2])
    else
      seqs[#seqs + 1] = 0
    end
  end
  return seqs
end
for i = 1, n, 3 do
  write(KEYS[i], KEYS[i + 1], KEYS[i + 2])
end
return seqs
