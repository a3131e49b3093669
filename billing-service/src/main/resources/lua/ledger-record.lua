-- A batch of usage events, in the order given, atomically. Per event, as one event's script did: the redelivery guard
-- (SET NX seen), the request count (SET NX req), the bucket, totals and per-minute spend increments, the reconciliation
-- sums and the estimate window, the balance reading and the 402 mark, and the snapshot after it. The increments (nothing
-- in here reads them back) are summed per key and field over the batch and written once at the end, each touched bucket
-- key's TTL set once; the reconciliation and balance state, which each event reads, is written event by event.
-- KEYS: 1 totals, 2 balance, 3 recon, 4 depleted_at; then 6 per event i (from 0), at 4 + 6i + (1 seen, 2 req, 3 agg:m,
--       4 agg:h, 5 agg:d, 6 spend:m)
-- ARGV: 1 seen/req ttl s, 2-4 ttl m/h/d s, 5 external credit threshold; then 11 per event i, at 5 + 11i + (1 group,
--       2 prompt, 3 completion, 4 charged, 5 hit, 6 saved, 7 occurred ms, 8 balance nanos or '', 9 request id,
--       10 depleted 0/1, 11 charge source)
-- Returns one entry per event, in order: 0 when its event id was already recorded (a redelivery, also one earlier in
-- this batch), else the snapshot after it ({1, ...}, see snapshot()).
local pending, order = {}, {}
local function hash(key, ttl)
  local h = pending[key]
  if not h then
    h = {fields = {}, sums = {}}
    pending[key] = h
    order[#order + 1] = key
  end
  if ttl then h.ttl = ttl end
  return h
end
-- sums stay below 1e15, so the doubles Lua adds with are exact integers; a bigger figure is written at once, as given
local function add(key, field, value)
  local h = hash(key, nil)
  local v = tonumber(value)
  local sum = h.sums[field]
  if sum == nil then
    h.fields[#h.fields + 1] = field
    sum = 0
  end
  if math.abs(v) >= 1e15 then
    redis.call('HINCRBY', key, field, value)
  elseif math.abs(sum + v) >= 1e15 then
    redis.call('HINCRBY', key, field, string.format('%d', sum))
    sum = v
  else
    sum = sum + v
  end
  h.sums[field] = sum
end

local results = {}
local snap
local n = (#KEYS - 4) / 6
for i = 0, n - 1 do
  local k, a = 4 + 6 * i, 5 + 11 * i
  if not redis.call('SET', KEYS[k + 1], '1', 'NX', 'EX', ARGV[1]) then
    results[i + 1] = 0
  else
    local group, charged, source, at = ARGV[a + 1], ARGV[a + 4], ARGV[a + 11], ARGV[a + 7]
    local req = '0'
    if redis.call('SET', KEYS[k + 2], '1', 'NX', 'EX', ARGV[1]) then req = '1' end
    local metrics = {{'req', req}, {'pt', ARGV[a + 2]}, {'ct', ARGV[a + 3]}, {'chg', charged}, {'hit', ARGV[a + 5]},
                     {'sav', ARGV[a + 6]}, {'s:' .. source, charged}}
    for b = 1, 3 do
      local key = KEYS[k + 2 + b]
      hash(key, ARGV[1 + b])
      for _, m in ipairs(metrics) do
        if m[2] ~= '0' then add(key, group .. '\31' .. m[1], m[2]) end
      end
    end
    for _, m in ipairs(metrics) do
      if m[2] ~= '0' then add(KEYS[1], m[1], m[2]) end
    end
    hash(KEYS[k + 6], ARGV[2])
    if req ~= '0' then add(KEYS[k + 6], 'req', req) end
    if charged ~= '0' then add(KEYS[k + 6], 'chg', charged) end
    local changed = false
    local occurred = tonumber(at)
    local anchor_at = redis.call('HGET', KEYS[3], 'anchor_at')
    if anchor_at and occurred > tonumber(anchor_at) and charged ~= '0' then
      if source == 'estimated' then
        local w = redis.call('HMGET', KEYS[3], 'est_at', 'anchor', 'charges', 'credits')
        if not w[1] then
          local latest = tonumber(redis.call('HGET', KEYS[2], 'nanos'))
          local mark = tonumber(w[2]) - tonumber(w[3]) + tonumber(w[4]) - latest
          redis.call('HSET', KEYS[3], 'est_at', at, 'est_mark', string.format('%d', mark), 'est_nanos', '0')
        elseif occurred > tonumber(w[1]) then
          redis.call('HSET', KEYS[3], 'est_at', at)
        end
        redis.call('HINCRBY', KEYS[3], 'est_nanos', charged)
      end
      redis.call('HINCRBY', KEYS[3], 'charges', charged)
      changed = true
    end
    if ARGV[a + 8] ~= '' then
      update_balance(KEYS[2], KEYS[3], ARGV[a + 8], at, ARGV[a + 9], ARGV[5])
      changed = true
    end
    if ARGV[a + 10] == '1' then
      local d = tonumber(redis.call('GET', KEYS[4]) or '-1')
      if occurred > d then
        redis.call('SET', KEYS[4], at)
        changed = true
      end
    end
    -- nothing since the last snapshot touched balance, recon or depleted_at: the same snapshot
    if changed or not snap then snap = snapshot(KEYS[2], KEYS[3], KEYS[4]) end
    results[i + 1] = snap
  end
end
for _, key in ipairs(order) do
  local h = pending[key]
  for _, field in ipairs(h.fields) do
    redis.call('HINCRBY', key, field, string.format('%d', h.sums[field]))
  end
  if h.ttl then redis.call('EXPIRE', key, h.ttl) end
end
return results
