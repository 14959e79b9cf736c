-- A live-only frame (presence, a logout's revocation) to many users at once: one
-- EVALSHA instead of a PUBLISH per user, so announcing a user to 2,000 friends costs
-- the node one command to pack and one reply to read.
-- KEYS: each user's live channel. ARGV[1]: the frame. Returns the number of channels.
local frame = ARGV[1]
for i = 1, #KEYS do
  redis.call('PUBLISH', KEYS[i], frame)
end
return #KEYS
