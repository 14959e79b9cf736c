-- Append one event to the inbox of every recipient and publish it live.
-- KEYS: for each recipient, its meta hash, inbox stream and live channel (3 keys each);
--       then, in mode 'ingress', the ingress stream; in mode 'known', the usernames set.
-- ARGV: event body (JSON object, shared), inbox retention, epoch for a new inbox, mode;
--       then, in mode 'ingress', the consumer group and the entry id; in mode 'known',
--       every recipient's username.
-- Returns the new seq of each recipient, in KEYS order — or nil for an ingress entry that
-- was already acknowledged: acking and delivering in one script is what makes ingress
-- exactly-once even when a node dies between reading an entry and acking it — or, in
-- mode 'known', the usernames that are not registered (then nothing is delivered): the
-- check rides in the same round trip as the fan-out.
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
for i = 1, n, 3 do
  local meta, inbox, live = KEYS[i], KEYS[i + 1], KEYS[i + 2]
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
return seqs
