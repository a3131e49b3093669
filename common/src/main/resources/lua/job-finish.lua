local current = redis.call('GET', KEYS[1])
if not current then return false end
local job = cjson.decode(current)
local patch = cjson.decode(ARGV[3])
if job.owner ~= ARGV[1] or tonumber(job.run) ~= tonumber(ARGV[2]) then return {0, current} end
if job.status ~= 'running' then
    if job.status == patch.status then return {1, current} end
    return {0, current}
end
for k, v in pairs(patch) do job[k] = v end
job.attempts = (tonumber(job.attempts) or 0) + tonumber(ARGV[4])
job.lease_until = cjson.null
local updated = cjson.encode(job)
redis.call('SET', KEYS[1], updated, 'PX', ARGV[5])
if ARGV[6] ~= '' then redis.call('SET', KEYS[2], ARGV[6], 'PX', ARGV[5]) end
if ARGV[7] == '1' then redis.call('SET', KEYS[3], ARGV[2], 'PX', ARGV[5]) end
return {1, updated}
