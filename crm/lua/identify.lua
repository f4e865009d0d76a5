-- Who is calling, in one round trip: the customer record and every open case of theirs.
-- KEYS[1] customer JSON, KEYS[2] set of open case references; ARGV[1] prefix of case keys.
local found = {redis.call('GET', KEYS[1])}
for _, reference in ipairs(redis.call('SMEMBERS', KEYS[2])) do
  local case = redis.call('GET', ARGV[1] .. reference)
  if case then
    table.insert(found, case)
  end
end
return found
