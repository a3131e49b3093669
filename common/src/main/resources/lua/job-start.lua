local current = redis.call('GET', KEYS[1])
if not current then return false end
local job = cjson.decode(current)
if job.status == 'running' then
    local live = (tonumber(job.lease_until) or 0) > now
    if live and not (ARGV[5] == '1' and job.owner == ARGV[2]) then return {0, current} end
elseif not string.find(',' .. ARGV[1] .. ',', ',' .. job.status .. ',', 1, true) then
    return {0, current}
end
job.status = 'running'
job.owner = ARGV[2]
job.lease_until = now + tonumber(ARGV[3])
job.run = (tonumber(job.run) or 0) + 1
local updated = cjson.encode(job)
redis.call('SET', KEYS[1], updated, 'PX', ARGV[4])
return {1, updated}
