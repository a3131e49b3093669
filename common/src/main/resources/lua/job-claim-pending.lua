local score = redis.call('ZSCORE', KEYS[2], ARGV[1])
if not score or tonumber(score) > tonumber(ARGV[2]) then return false end
local current = redis.call('GET', KEYS[1])
local request = redis.call('GET', KEYS[3])
if not current or not request or cjson.decode(current).status ~= 'pending' then
    redis.call('ZREM', KEYS[2], ARGV[1])
    redis.call('DEL', KEYS[3])
    return false
end
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
return request
