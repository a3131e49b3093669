-- One turn of a request whose answer is not cached yet: is it there now, or may this request call the provider?
-- KEYS: 1 the cached answer, 2 its lease. ARGV: 1 this request's token, 2 the lease's life in ms.
-- Returns {'answer', json} when the answer is stored, {'lead'} when this request took the lease (it calls the provider
-- and stores the answer), {'wait'} while another request holds the lease.
local answer = redis.call('GET', KEYS[1])
if answer then
  return {'answer', answer}
end
if redis.call('SET', KEYS[2], ARGV[1], 'NX', 'PX', ARGV[2]) then
  return {'lead'}
end
return {'wait'}
