local renewed = 0
for i, key in ipairs(KEYS) do
    local current = redis.call('GET', key)
    if current then
        local job = cjson.decode(current)
        if job.status == 'running' and job.owner == ARGV[1] and tonumber(job.run) == tonumber(ARGV[2 + i]) then
            job.lease_until = now + tonumber(ARGV[2])
            redis.call('SET', key, cjson.encode(job), 'KEEPTTL')
            renewed = renewed + 1
        end
    end
end
return renewed
