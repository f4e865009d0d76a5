-- Who is calling, in one round trip: the customer record, every open case of theirs, and each
-- case owner's record and presence (so the call can go straight to the owner).
-- KEYS[1] customer JSON, KEYS[2] set of open case references, KEYS[3] presence hash;
-- ARGV[1] prefix of case keys, ARGV[2] prefix of rep keys.
-- Returns: customer, then per open case: case JSON, owner JSON, owner presence (missing: nil).
-- Keys of cases and reps are built here from the index, so this needs a single Redis (or all
-- of one line's keys in one hash slot), not a cluster spread over slots.
local found = {redis.call('GET', KEYS[1])}
for _, reference in ipairs(redis.call('SMEMBERS', KEYS[2])) do
  local case = redis.call('GET', ARGV[1] .. reference)
  if case then
    local fields = cjson.decode(case)
    if fields['status'] == 'open' then
      table.insert(found, case)
      table.insert(found, redis.call('GET', ARGV[2] .. fields['owner']))
      table.insert(found, redis.call('HGET', KEYS[3], fields['owner']))
    end
  end
end
return found
