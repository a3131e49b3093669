redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('DEL', KEYS[3])
local current = redis.call('GET', KEYS[1])
if not current then return false end
local job = cjson.decode(current)
if job.status ~= 'pending' then return {0, current} end
job.status = 'queued'
local updated = cjson.encode(job)
redis.call('SET', KEYS[1], updated, 'PX', ARGV[2])
return {1, updated}
