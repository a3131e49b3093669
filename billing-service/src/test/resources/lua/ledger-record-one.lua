-- The one-event ledger script billing ran before it recorded batches (commit 8c5383b), run with ledger-functions-one.lua: the
-- reference LedgerBatchTest holds the batch script to (the same events give the same keys, figures and snapshots).
-- KEYS: 1 seen, 2 agg:m, 3 agg:h, 4 agg:d, 5 totals, 6 spend:m, 7 balance, 8 recon, 9 depleted_at, 10 req
-- ARGV: 1 seen ttl s, 2 group, 3 prompt, 4 completion, 5 charged, 6 hit, 7 saved, 8-10 ttl m/h/d s, 11 occurred ms,
--       12 balance nanos or '', 13 request id, 14 depleted 0/1, 15 external credit threshold, 16 charge source
if not redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[1]) then
  return {0}
end
local req = '0'
if redis.call('SET', KEYS[10], '1', 'NX', 'EX', ARGV[1]) then req = '1' end
local metrics = {{'req', req}, {'pt', ARGV[3]}, {'ct', ARGV[4]}, {'chg', ARGV[5]}, {'hit', ARGV[6]}, {'sav', ARGV[7]},
                 {'s:' .. ARGV[16], ARGV[5]}}
local buckets = {KEYS[2], KEYS[3], KEYS[4]}
for i, key in ipairs(buckets) do
  for _, m in ipairs(metrics) do
    if m[2] ~= '0' then redis.call('HINCRBY', key, ARGV[2] .. '\31' .. m[1], m[2]) end
  end
  redis.call('EXPIRE', key, ARGV[7 + i])
end
for _, m in ipairs(metrics) do
  if m[2] ~= '0' then redis.call('HINCRBY', KEYS[5], m[1], m[2]) end
end
if req ~= '0' then redis.call('HINCRBY', KEYS[6], 'req', req) end
if ARGV[5] ~= '0' then redis.call('HINCRBY', KEYS[6], 'chg', ARGV[5]) end
redis.call('EXPIRE', KEYS[6], ARGV[8])
local occurred = tonumber(ARGV[11])
local anchor_at = redis.call('HGET', KEYS[8], 'anchor_at')
if anchor_at and occurred > tonumber(anchor_at) and ARGV[5] ~= '0' then
  if ARGV[16] == 'estimated' then
    local w = redis.call('HMGET', KEYS[8], 'est_at', 'anchor', 'charges', 'credits')
    if not w[1] then
      local latest = tonumber(redis.call('HGET', KEYS[7], 'nanos'))
      local mark = tonumber(w[2]) - tonumber(w[3]) + tonumber(w[4]) - latest
      redis.call('HSET', KEYS[8], 'est_at', ARGV[11], 'est_mark', string.format('%d', mark), 'est_nanos', '0')
    elseif occurred > tonumber(w[1]) then
      redis.call('HSET', KEYS[8], 'est_at', ARGV[11])
    end
    redis.call('HINCRBY', KEYS[8], 'est_nanos', ARGV[5])
  end
  redis.call('HINCRBY', KEYS[8], 'charges', ARGV[5])
end
if ARGV[12] ~= '' then
  update_balance(KEYS[7], KEYS[8], ARGV[12], ARGV[11], ARGV[13], ARGV[15])
end
if ARGV[14] == '1' then
  local d = tonumber(redis.call('GET', KEYS[9]) or '-1')
  if occurred > d then redis.call('SET', KEYS[9], ARGV[11]) end
end
return snapshot(KEYS[7], KEYS[8], KEYS[9])
