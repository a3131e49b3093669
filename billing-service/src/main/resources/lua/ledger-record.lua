-- A batch of usage events, in the order given, atomically. Per event, as one event's script did: the redelivery guard
-- (SET NX seen), the request count (SET NX req), the bucket, totals and per-minute spend increments, the reconciliation
-- sums and the estimate window, the balance reading and the 402 mark, and the state after it. The increments (nothing
-- in here reads them back) are summed over the batch and written once at the end, each touched bucket key's TTL set
-- once; the balance and reconciliation state (load_state) is read once and written through event by event.
-- KEYS: 1 totals, 2 balance, 3 recon, 4 depleted_at; then 6 per event i (from 0), at 4 + 6i + (1 seen, 2 req, 3 agg:m,
--       4 agg:h, 5 agg:d, 6 spend:m)
-- ARGV: 1 seen/req ttl s, 2-4 ttl m/h/d s, 5 external credit threshold; then 11 per event i, at 5 + 11i + (1 group,
--       2 prompt, 3 completion, 4 charged, 5 hit, 6 saved, 7 occurred ms, 8 balance nanos or '', 9 request id,
--       10 depleted 0/1, 11 charge source)
-- Returns one entry per event, in order: 0 when its event id was already recorded (a redelivery, also one earlier in
-- this batch), else the state after it as one string, snapshot()'s fields 2-9 joined by ','.

-- Sums of the batch: one accumulator per set of hash fields that get the same increments (a group's fields in an event's
-- three buckets and the totals' fields; a minute's spend), each sum written to each of its fields at the end. Sums stay
-- below 1e15, so the doubles Lua adds with are exact integers; a bigger figure is written at once, as given.
local function write(acc, metric, value)
  for _, target in ipairs(acc.targets) do
    redis.call('HINCRBY', target[1], target[2] .. metric, value)
  end
end
local function add(acc, metric, value)
  local v = tonumber(value)
  local sum = acc.sums[metric]
  if sum == nil then
    acc.fields[#acc.fields + 1] = metric
    sum = 0
  end
  if math.abs(v) >= 1e15 then
    write(acc, metric, value)
  elseif math.abs(sum + v) >= 1e15 then
    write(acc, metric, string.format('%d', sum))
    sum = v
  else
    sum = sum + v
  end
  acc.sums[metric] = sum
end
local accs, by_id = {}, {}
-- targets: {key, field prefix} pairs
local function accumulator(id, targets)
  local acc = by_id[id]
  if not acc then
    acc = {targets = targets, fields = {}, sums = {}}
    by_id[id] = acc
    accs[#accs + 1] = acc
  end
  return acc
end
local ttls, expiring = {}, {}
local function expire(key, ttl)
  if not ttls[key] then expiring[#expiring + 1] = key end
  ttls[key] = ttl
end
local function state_text(st)
  local s = snapshot(st)
  return table.concat(s, ',', 2)
end

local st = load_state(KEYS[2], KEYS[3], KEYS[4])
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
    local m, h, d, spend = KEYS[k + 3], KEYS[k + 4], KEYS[k + 5], KEYS[k + 6]
    local prefix = group .. '\31'
    local buckets = accumulator(m .. '\30' .. h .. '\30' .. d .. '\30' .. group, {{m, prefix}, {h, prefix}, {d, prefix}, {KEYS[1], ''}})
    local metrics = {'req', req, 'pt', ARGV[a + 2], 'ct', ARGV[a + 3], 'chg', charged, 'hit', ARGV[a + 5],
                     'sav', ARGV[a + 6], 's:' .. source, charged}
    for j = 1, 13, 2 do
      local value = metrics[j + 1]
      if value ~= '0' then add(buckets, metrics[j], value) end
    end
    expire(m, ARGV[2])
    expire(h, ARGV[3])
    expire(d, ARGV[4])
    local minute = accumulator(spend, {{spend, ''}})
    if req ~= '0' then add(minute, 'req', req) end
    if charged ~= '0' then add(minute, 'chg', charged) end
    expire(spend, ARGV[2])
    local changed = false
    local occurred = tonumber(at)
    local r = st.r
    if r.anchor_at and occurred > tonumber(r.anchor_at) and charged ~= '0' then
      if source == 'estimated' then
        if not r.est_at then
          local mark = string.format('%d', tonumber(r.anchor) - tonumber(r.charges) + tonumber(r.credits) - tonumber(st.nanos))
          redis.call('HSET', st.recon, 'est_at', at, 'est_mark', mark, 'est_nanos', '0')
          r.est_at, r.est_mark, r.est_nanos = at, mark, '0'
        elseif occurred > tonumber(r.est_at) then
          redis.call('HSET', st.recon, 'est_at', at)
          r.est_at = at
        end
        recon_incr(st, 'est_nanos', charged)
      end
      recon_incr(st, 'charges', charged)
      changed = true
    end
    if ARGV[a + 8] ~= '' then
      update_balance(st, ARGV[a + 8], at, ARGV[a + 9], ARGV[5])
      changed = true
    end
    if ARGV[a + 10] == '1' and occurred > tonumber(st.d or '-1') then
      redis.call('SET', st.depleted, at)
      st.d = at
      changed = true
    end
    -- nothing since the last event touched the balance, recon or depleted_at: the same state
    if changed or not snap then snap = state_text(st) end
    results[i + 1] = snap
  end
end
for _, acc in ipairs(accs) do
  for _, metric in ipairs(acc.fields) do
    write(acc, metric, string.format('%d', acc.sums[metric]))
  end
end
for _, key in ipairs(expiring) do
  redis.call('EXPIRE', key, ttls[key])
end
return results
