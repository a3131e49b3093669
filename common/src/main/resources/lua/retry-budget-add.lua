local now, window = tonumber(ARGV[1]), tonumber(ARGV[2])
if tonumber(ARGV[3]) > 0 then redis.call('HINCRBY', KEYS[1], 'q:' .. now, ARGV[3]) end
if tonumber(ARGV[4]) > 0 then redis.call('HINCRBY', KEYS[1], 'r:' .. now, ARGV[4]) end
local fields = redis.call('HGETALL', KEYS[1])
local requests, extra = 0, 0
for i = 1, #fields, 2 do
  local second = tonumber(string.sub(fields[i], 3))
  if second <= now - window then
    redis.call('HDEL', KEYS[1], fields[i])
  elseif string.sub(fields[i], 1, 1) == 'q' then
    requests = requests + tonumber(fields[i + 1])
  else
    extra = extra + tonumber(fields[i + 1])
  end
end
redis.call('PEXPIRE', KEYS[1], window * 2000)
return {requests, extra}
