-- A blog's body and read count (阅读量), counting this read if asked, only while the blog
-- exists (HINCRBY alone would make a hash of a deleted one).
-- KEYS: the blog hash. ARGV: "1" to count the read, "0" not to.
-- Returns {body, reads}, or nil for no blog.
if redis.call('EXISTS', KEYS[1]) == 0 then
  return nil
end
if ARGV[1] == '1' then
  redis.call('HINCRBY', KEYS[1], 'reads', 1)
end
return redis.call('HMGET', KEYS[1], 'body', 'reads')
