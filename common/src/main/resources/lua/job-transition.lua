local current = redis.call('GET', KEYS[1])
if not current then return false end
local job = cjson.decode(current)
if not string.find(',' .. ARGV[1] .. ',', ',' .. job.status .. ',', 1, true) then return {0, current} end
for k, v in pairs(cjson.decode(ARGV[2])) do job[k] = v end
local updated = cjson.encode(job)
redis.call('SET', KEYS[1], updated, 'PX', ARGV[3])
return {1, updated}
