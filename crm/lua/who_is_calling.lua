-- Who is calling, in one step: the customer record, every open case of theirs, and each case
-- owner's record and presence (so the call can go straight to the owner). A library: scripts
-- that need it are sent with this file in front of them.
-- Returns: customer, then per open case: case JSON, owner JSON, owner presence (missing:
-- false); and, second, the fields of the newest open case (nil without one).
-- Keys of cases and reps are built here from the index, so this needs a single Redis (or all
-- of one line's keys in one hash slot), not a cluster spread over slots.
local function who_is_calling(customer_key, cases_key, presence_key, case_prefix, rep_prefix)
  local found, newest = {redis.call('GET', customer_key)}, nil
  for _, reference in ipairs(redis.call('SMEMBERS', cases_key)) do
    local case = redis.call('GET', case_prefix .. reference)
    if case then
      local fields = cjson.decode(case)
      if fields['status'] == 'open' then
        table.insert(found, case)
        table.insert(found, redis.call('GET', rep_prefix .. fields['owner']))
        table.insert(found, redis.call('HGET', presence_key, fields['owner']))
        if newest == nil or fields['created_at'] > newest['created_at'] then newest = fields end
      end
    end
  end
  return found, newest
end
