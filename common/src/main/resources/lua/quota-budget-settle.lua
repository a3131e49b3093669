-- Ends hold ARGV[1] in both scopes of quota-budget-reserve.lua (KEYS[1..4]) and adds the provider's actual charge,
-- ARGV[2] units (0: nothing was charged, a release), to each scope's `spent`. A hold already released for its
-- deadline is not there any more; the charge is added all the same. ARGV[3] when the month's keys expire (unix seconds).
local charged = tonumber(ARGV[2])
for scope = 1, 2 do
    local hash, holds = KEYS[2 * scope - 1], KEYS[2 * scope]
    local units = redis.call('HGET', hash, 'hold:' .. ARGV[1])
    if units then
        redis.call('HDEL', hash, 'hold:' .. ARGV[1])
        redis.call('HINCRBY', hash, 'reserved', '-' .. units)
        redis.call('ZREM', holds, ARGV[1])
    end
    if charged > 0 then
        redis.call('HINCRBY', hash, 'spent', ARGV[2])
    end
    redis.call('EXPIREAT', hash, ARGV[3])
end
return 0
