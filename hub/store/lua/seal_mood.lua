-- Mark a mood as being deleted, so that add_comment.lua refuses new comments: the
-- comment list that delete_mood.lua checks can then no longer change under it, and a
-- flood of comments cannot starve a deletion.
-- KEYS: the mood hash. Returns 1 marked, 0 no such mood.
if redis.call('EXISTS', KEYS[1]) == 0 then
  return 0
end
redis.call('HSET', KEYS[1], 'deleting', '1')
return 1
