-- An API key's record and its tenant's settings in one round trip. KEYS[1] is the key's record
-- (fleet:auth:v1:key:<hash>) or, when ARGV[3] names a key id, the id index (fleet:auth:v1:keys) whose entry names the
-- record's hash. ARGV[1] is the record prefix, ARGV[2] the tenant settings prefix. The tenant settings' key comes from
-- the record, so it cannot be passed in KEYS: the state Redis is one node, never a cluster (docs/ARCHITECTURE.md).
-- Returns {record, tenant settings or nil}, or nil when there is no such key (never was, or revoked).
local record_key = KEYS[1]
if ARGV[3] then
    local hash = redis.call('HGET', KEYS[1], ARGV[3])
    if not hash then
        return false
    end
    record_key = ARGV[1] .. hash
end
local record = redis.call('GET', record_key)
if not record then
    return false
end
return {record, redis.call('GET', ARGV[2] .. cjson.decode(record).tenant)}
