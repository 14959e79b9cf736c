-- Void an inbox whose history was found to have lost events it had acknowledged (a
-- crashed Redis came back without them and hands their seqs out again): drop its meta
-- and stream if it is still of the epoch that was checked, so the next read or delivery
-- starts a new epoch and every resume from the old one reports a gap.
-- KEYS: meta hash, inbox stream. ARGV: the epoch found wanting.
-- Returns 1 if the inbox was voided, 0 if its epoch had changed meanwhile.
if redis.call('HGET', KEYS[1], 'epoch') == ARGV[1] then
  redis.call('DEL', KEYS[1], KEYS[2])
  return 1
end
return 0
