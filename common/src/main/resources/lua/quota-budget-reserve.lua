-- Reserves ARGV[2] units (1e-8 USD) as hold ARGV[1] against two monthly budgets at once: the key's (KEYS[1] hash,
-- KEYS[2] its holds) and the tenant's (KEYS[3], KEYS[4]). A hash has `spent`, `reserved` (the sum of its holds) and
-- `hold:<id>` = units; the holds sorted set scores each hold id by its deadline (ms, Redis' clock `now`). Holds past
-- their deadline (a replica died before settling) are released first. The hold is taken only if, for each scope with a
-- budget (ARGV[3] key, ARGV[4] tenant, in units; '' = unlimited), spent + reserved + this <= budget; a scope without
-- one is still counted. ARGV[5] is the hold's lifetime (ms), ARGV[6] when the month's keys expire (unix seconds).
-- Amounts go to Redis as the strings they came as (a Lua number may print as 1e+14); sums are exact below 2^53 units.
-- Returns {0} (held) or {scope (1 key, 2 tenant), spent, reserved} of the first scope that refused.
local function release_expired(hash, holds)
    local expired = redis.call('ZRANGEBYSCORE', holds, '-inf', now)
    for _, id in ipairs(expired) do
        local units = redis.call('HGET', hash, 'hold:' .. id)
        if units then
            redis.call('HDEL', hash, 'hold:' .. id)
            redis.call('HINCRBY', hash, 'reserved', '-' .. units)
        end
    end
    if #expired > 0 then
        redis.call('ZREMRANGEBYSCORE', holds, '-inf', now)
    end
end

local amount = tonumber(ARGV[2])
local budgets = {ARGV[3], ARGV[4]}
for scope = 1, 2 do
    local hash, holds = KEYS[2 * scope - 1], KEYS[2 * scope]
    release_expired(hash, holds)
    if budgets[scope] ~= '' then
        local spent = tonumber(redis.call('HGET', hash, 'spent') or 0)
        local reserved = tonumber(redis.call('HGET', hash, 'reserved') or 0)
        if spent + reserved + amount > tonumber(budgets[scope]) then
            return {scope, spent, reserved}
        end
    end
end
local deadline = now + tonumber(ARGV[5])
for scope = 1, 2 do
    local hash, holds = KEYS[2 * scope - 1], KEYS[2 * scope]
    redis.call('HSET', hash, 'hold:' .. ARGV[1], ARGV[2])
    redis.call('HINCRBY', hash, 'reserved', ARGV[2])
    redis.call('ZADD', holds, deadline, ARGV[1])
    redis.call('EXPIREAT', hash, ARGV[6])
    redis.call('EXPIREAT', holds, ARGV[6])
end
return {0}
