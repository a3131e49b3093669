-- One key's concurrent requests: KEYS[1] is a sorted set of slot ids scored by their lease's end (ms, Redis' clock
-- `now`). Slots whose lease ended (a replica that died holding them) are dropped first; then the slot ARGV[1] is taken
-- for ARGV[3] ms when fewer than ARGV[2] are held. Returns 1 (taken) or 0 (all held).
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then
    return 0
end
local lease = tonumber(ARGV[3])
redis.call('ZADD', KEYS[1], now + lease, ARGV[1])
redis.call('PEXPIRE', KEYS[1], lease)
return 1
