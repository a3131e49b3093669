-- Corrects a GCRA take (quota-rate-take.lua) by ARGV[3] units: a positive number adds what was used beyond the take,
-- a negative one gives back what was taken and not used. A bucket never holds more than one period's worth: TAT never
-- goes below now (when it would, the key is deleted: the bucket is full). Returns nothing useful.
local period, limit, delta = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
tat = tat + delta * period / limit
if tat <= now then
    redis.call('DEL', KEYS[1])
    return 0
end
redis.call('SET', KEYS[1], string.format('%.17g', tat), 'PX', math.ceil(tat - now) + 1)
return 1
