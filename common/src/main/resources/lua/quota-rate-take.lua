-- GCRA (generic cell rate algorithm) for one key's limit of ARGV[2] units per ARGV[1] ms, on Redis' clock (`now`,
-- from redis-clock.lua): KEYS[1] holds the theoretical arrival time (TAT, ms) at which the key's bucket is full again.
-- Each unit moves TAT on by period / limit; a take of ARGV[3] units is allowed when the new TAT is at most one period
-- ahead of now. Returns {1, 0} (taken) or {0, ms until it would be allowed}.
local period, limit, cost = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local interval = period / limit
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
local next_tat = tat + cost * interval
local allowed_at = next_tat - period
-- a microsecond of slack absorbs the rounding of period / limit * limit
if allowed_at - now > 0.001 then
    return {0, math.ceil(allowed_at - now)}
end
redis.call('SET', KEYS[1], string.format('%.17g', next_tat), 'PX', math.ceil(next_tat - now) + 1)
return {1, 0}
