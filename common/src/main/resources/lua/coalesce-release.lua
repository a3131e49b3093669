-- Gives up a lease taken by coalesce-turn, only while it is still this request's (it may have expired and been taken).
-- KEYS: 1 the lease. ARGV: 1 this request's token.
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
