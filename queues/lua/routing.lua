-- The routing line and rep presence: every change is one atomic step, so two web processes
-- and a worker racing can never give one caller to two reps or two callers to one rep.
-- Sent with crm's who_is_calling.lua in front of it, and before that a header naming the keys
-- of one namespace (`K`) and its key prefixes and lines (`L`), so a call sends only what
-- changes: ARGV[1] command, ARGV[2] now (epoch seconds), then the command's own arguments.
--
-- K[1] presence hash (rep -> state)       K[2] presence-since hash (rep -> epoch)
-- K[3] offers hash (rep -> CallSid)         K[4] wrap-up ends zset (rep -> epoch)
-- K[5] owner-wait ends zset (sid -> epoch)  K[6] events stream
-- Then per line, n keys each: K[7 .. 6+n] its waiting callers (zset), K[7+n .. 6+2n]
-- its available reps (zset, by idle since), K[7+2n .. 6+3n] its reps on duty (available,
-- offered, busy or wrap-up; a set), K[7+3n .. 6+4n] its latest conversations' lengths (list)
-- Last, K[7+4n]: manager callers by the epoch second they are offered voicemail instead.
-- The prefixes of: L[1] waiting-caller hashes, L[2] owner lines, L[3] reps (JSON;
-- `<prefix><id>:lines` is a rep's lines), L[4] rejoin keys, L[5] customers, L[6] cases,
-- L[7] a caller's open cases; L[8], L[9] what comes before and after the CallSid in a
-- call's details hash, L[10] how long a call's details are kept (seconds);
-- L[11] n, L[12 .. 11+n] line names.
-- Keys of callers and reps are built here from prefixes, so this needs a single Redis (or
-- all of one line's keys in one hash slot).

local presence, since, offers, wrap_ends, owner_ends, events = K[1], K[2], K[3], K[4], K[5], K[6]
local command, now = ARGV[1], tonumber(ARGV[2])
local waiting_prefix, owner_prefix, rep_prefix, rejoin_prefix = L[1], L[2], L[3], L[4]
local customer_prefix, case_prefix, open_cases_prefix = L[5], L[6], L[7]
local details_prefix, details_suffix, details_ttl = L[8], L[9], L[10]
local n = tonumber(L[11])
local line_key, available_key, duty_key, handled_key = {}, {}, {}, {}
for i = 1, n do
  line_key[L[11 + i]] = K[6 + i]
  available_key[L[11 + i]] = K[6 + n + i]
  duty_key[L[11 + i]] = K[6 + 2 * n + i]
  handled_key[L[11 + i]] = K[6 + 3 * n + i]
end
local HANDLED_KEPT = 50  -- conversations the expected wait is averaged over
local manager_ends = K[7 + 4 * n]
local MANAGERS = 'managers'
local ON_DUTY = {available = true, offered = true, busy = true, ['wrap-up'] = true}
local args = {}
for i = 3, #ARGV do args[#args + 1] = ARGV[i] end
local TIER_RANK = {standard = 1, silver = 2, gold = 3}
local TIERS = {'standard', 'silver', 'gold'}

local function log(kind, sid, rep, extra)
  redis.call('XADD', events, 'MAXLEN', '~', 1000000, '*', 'event', kind, 'call_sid', sid or '', 'rep', rep or '', 'detail', extra or '')
end

-- The call's record keeps what routing did with it: queue, tier, place on entry, who was
-- offered it, the outcome (answered, abandoned, voicemail).
local function note(sid, ...)
  local key = details_prefix .. sid .. details_suffix
  redis.call('HSET', key, ...)
  redis.call('EXPIRE', key, details_ttl)
end

local function note_offered(sid, rep)
  local key = details_prefix .. sid .. details_suffix
  local before = redis.call('HGET', key, 'offered_to')
  note(sid, 'offered_to', before and (before .. ',' .. rep) or rep)
end

local function rep_lines(rep)
  return redis.call('SMEMBERS', rep_prefix .. rep .. ':lines')
end

local function set_state(rep, state)
  redis.call('HSET', presence, rep, state)
  redis.call('HSET', since, rep, now)
  for _, line in ipairs(rep_lines(rep)) do
    if available_key[line] then
      if state == 'available' then
        redis.call('ZADD', available_key[line], now, rep)
      else
        redis.call('ZREM', available_key[line], rep)
      end
      if ON_DUTY[state] then
        redis.call('SADD', duty_key[line], rep)
      else
        redis.call('SREM', duty_key[line], rep)
      end
    end
  end
  if state ~= 'wrap-up' then redis.call('ZREM', wrap_ends, rep) end
end

local function entry_key(sid) return waiting_prefix .. sid end

-- Take a caller out of every waiting set (their entry and score stay).
local function unlist(sid)
  local entry = entry_key(sid)
  local line, owner = unpack(redis.call('HMGET', entry, 'line', 'owner'))
  if line and line_key[line] then redis.call('ZREM', line_key[line], sid) end
  if owner and owner ~= '' then redis.call('ZREM', owner_prefix .. owner, sid) end
  redis.call('ZREM', owner_ends, sid)
  redis.call('ZREM', manager_ends, sid)
end

local function offer(rep, sid)
  unlist(sid)
  set_state(rep, 'offered')
  redis.call('HSET', offers, rep, sid)
  redis.call('HSET', entry_key(sid), 'state', 'offered', 'rep', rep)
  redis.call('HINCRBY', entry_key(sid), 'offers', 1)
  note_offered(sid, rep)
  log('route.offered', sid, rep)
  return {'offered', rep, redis.call('GET', rep_prefix .. rep)}
end

-- The caller's place in our order: first among their owner's callers, or in their line.
local function position(sid)
  local entry = entry_key(sid)
  local state, line, owner = unpack(redis.call('HMGET', entry, 'state', 'line', 'owner'))
  local rank
  if state == 'owner' then
    rank = redis.call('ZRANK', owner_prefix .. owner, sid)
  elseif state == 'waiting' and line_key[line] then
    rank = redis.call('ZRANK', line_key[line], sid)
  end
  if rank then return rank + 1 end
  return 0
end

-- Callers whose wait for their case owner is over join their line at the place they kept.
local function promote()
  local expired = redis.call('ZRANGEBYSCORE', owner_ends, '-inf', now, 'LIMIT', 0, 100)
  for _, sid in ipairs(expired) do
    local entry = entry_key(sid)
    local line, owner, score, state = unpack(redis.call('HMGET', entry, 'line', 'owner', 'score', 'state'))
    redis.call('ZREM', owner_ends, sid)
    if state == 'owner' then
      redis.call('ZREM', owner_prefix .. owner, sid)
      redis.call('ZADD', line_key[line], score, sid)
      redis.call('HSET', entry, 'state', 'waiting')
      log('route.owner-wait-over', sid, owner)
    end
  end
  return #expired
end

local function available_rep(line, skip)
  local reps = redis.call('ZRANGE', available_key[line], 0, 1)
  for _, rep in ipairs(reps) do
    if rep ~= skip then return rep end
  end
  return nil
end

-- The caller's tier: their spend's (thresholds SILVER, GOLD), or the number's if higher.
local function tier_of(phone, floor, silver, gold)
  local tier = floor
  local customer = phone ~= '' and redis.call('GET', customer_prefix .. phone)
  if customer then
    local spend = tonumber(cjson.decode(customer)['spend']) or 0
    local earned = 'standard'
    if spend >= tonumber(gold) then earned = 'gold' elseif spend >= tonumber(silver) then earned = 'silver' end
    if TIER_RANK[earned] > TIER_RANK[tier] then tier = earned end
  end
  return tier
end

-- A caller who needs a person: their owner if free, else anyone free on the line, else they
-- wait (for their owner first while the owner may soon be free). A caller already listed
-- keeps the score they had: a retried webhook or a declined ring never costs their place.
-- `scores` are the caller's score by tier, without and with an open case (six values).
-- Returns {'offered', rep, rep JSON} or {'waiting', position}.
local function place(sid, line, owner, owner_until, phone, skip, floor, ttl, silver, gold, scores, case, manager_until)
  local entry = entry_key(sid)
  local state, rep = unpack(redis.call('HMGET', entry, 'state', 'rep'))
  if state == 'offered' then return {'offered', rep, redis.call('GET', rep_prefix .. rep)} end
  if state == 'waiting' or state == 'owner' then return {'waiting', position(sid)} end
  local tier = tier_of(phone, floor, silver, gold)
  local score = scores[TIER_RANK[tier] + (owner ~= '' and 3 or 0)]
  if redis.call('EXISTS', entry) == 1 then
    score = redis.call('HGET', entry, 'score')
  elseif phone ~= '' then
    local kept = redis.call('HMGET', rejoin_prefix .. phone, 'line', 'score')
    if kept[1] == line then
      score = kept[2]
      log('route.rejoined', sid, '', phone)
    end
    redis.call('DEL', rejoin_prefix .. phone)
  end
  redis.call('HSET', entry, 'line', line, 'score', score, 'owner', owner, 'phone', phone, 'tier', tier)
  if redis.call('HSETNX', entry, 'arrived', now) == 1 then
    note(sid, 'queue', line, 'tier', tier, 'position_on_entry', 1 + redis.call('ZCOUNT', line_key[line], '-inf', '(' .. score))
  end
  if case then redis.call('HSET', entry, 'case', case) end
  redis.call('EXPIRE', entry, ttl)
  promote()
  if owner ~= '' and owner ~= skip then
    local owner_state = redis.call('HGET', presence, owner)
    if owner_state == 'available' then return offer(owner, sid) end
    if owner_state == 'offered' or owner_state == 'busy' or owner_state == 'wrap-up' then
      redis.call('HSET', entry, 'state', 'owner', 'rep', '')
      redis.call('ZADD', owner_prefix .. owner, score, sid)
      redis.call('ZADD', owner_ends, owner_until, sid)
      log('route.waiting-for-owner', sid, owner)
      return {'waiting', position(sid)}
    end
  end
  redis.call('HSET', entry, 'owner', '')
  local free = available_rep(line, skip)
  if free then return offer(free, sid) end
  redis.call('HSET', entry, 'state', 'waiting', 'rep', '')
  redis.call('ZADD', line_key[line], score, sid)
  if line == MANAGERS then
    redis.call('HSETNX', entry, 'manager_until', manager_until)
    redis.call('ZADD', manager_ends, redis.call('HGET', entry, 'manager_until'), sid)
  end
  log('route.waiting', sid, '', line)
  return {'waiting', position(sid)}
end

-- place SID LINE OWNER OWNER_WAIT_UNTIL PHONE SKIP_REP TIER_FLOOR TTL SILVER GOLD SCORES*6
-- MANAGER_UNTIL (when a caller for a manager is offered voicemail instead)
local function place_command()
  return place(args[1], args[2], args[3], args[4], args[5], args[6], args[7], args[8], args[9], args[10], {unpack(args, 11, 16)}, nil, args[17])
end

-- arrive SID PHONE LINE TIER_FLOOR OWNER_WAIT_UNTIL TTL SILVER GOLD SCORES*6
-- A new call, in one step: who is calling and, for a caller with an open case, their place
-- (their owner first; the case's line if it has one). Returns {who_is_calling, placement,
-- line}; the placement is empty for a caller without an open case.
local function arrive()
  local sid, phone, line, floor, owner_until, ttl, silver, gold = unpack(args, 1, 8)
  local found, newest = who_is_calling(customer_prefix .. phone, open_cases_prefix .. phone, presence, case_prefix, rep_prefix)
  if newest == nil then return {found, {}, line} end
  if line_key[newest['category']] and newest['category'] ~= 'managers' then line = newest['category'] end
  local placed = place(sid, line, newest['owner'], owner_until, phone, '', floor, ttl, silver, gold, {unpack(args, 9, 14)}, newest['reference'])
  return {found, placed, line}
end

-- claim REP: the best waiting caller for a free rep (their own case callers first).
-- Returns {CallSid, line} of the caller now offered to them, or nil.
local function claim()
  local rep = args[1]
  promote()
  if redis.call('HGET', presence, rep) ~= 'available' then return false end
  local mine = redis.call('ZRANGE', owner_prefix .. rep, 0, 0)
  if mine[1] then
    offer(rep, mine[1])
    return {mine[1], redis.call('HGET', entry_key(mine[1]), 'line')}
  end
  local best, best_score
  for _, line in ipairs(rep_lines(rep)) do
    if line_key[line] then
      local top = redis.call('ZRANGE', line_key[line], 0, 0, 'WITHSCORES')
      if top[1] and (best_score == nil or tonumber(top[2]) < best_score) then
        best, best_score = top[1], tonumber(top[2])
      end
    end
  end
  if best then
    offer(rep, best)
    return {best, redis.call('HGET', entry_key(best), 'line')}
  end
  return false
end

-- presence REP STATE WRAP_UNTIL: a rep (or the console, or the CLI) sets their own state.
-- Returns {'set', previous state} or {'refused', why}.
local function set_presence()
  local rep, state, wrap_until = unpack(args)
  local current = redis.call('HGET', presence, rep)
  if current == 'offered' then return {'refused', 'a call is ringing this rep; answer or decline it first'} end
  if current == 'busy' and redis.call('HEXISTS', offers, rep) == 1 then
    return {'refused', 'this rep is on a call; their presence can change once it ends (wrap-up)'}
  end
  set_state(rep, state)
  if state == 'wrap-up' then
    redis.call('ZADD', wrap_ends, wrap_until, rep)
  end
  redis.call('HDEL', offers, rep)
  log('presence.' .. state, '', rep, current or '')
  return {'set', current or 'offline'}
end

-- release SID PHONE REJOIN_TTL WRAP_UNTIL: the caller is gone (hung up, left for a message).
-- A rep their call was ringing is available again; a rep talking to them wraps up.
-- Returns the rep now available, if any.
local function release()
  local sid, phone, rejoin_ttl, wrap_until = unpack(args)
  local entry = entry_key(sid)
  local state, rep, line, score = unpack(redis.call('HMGET', entry, 'state', 'rep', 'line', 'score'))
  if not state then return false end
  unlist(sid)
  redis.call('DEL', entry)
  if (state == 'waiting' or state == 'owner') and phone ~= '' and tonumber(rejoin_ttl) > 0 then
    redis.call('HSET', rejoin_prefix .. phone, 'line', line, 'score', score)
    redis.call('EXPIRE', rejoin_prefix .. phone, rejoin_ttl)
  end
  note(sid, 'outcome', 'abandoned')
  log('route.left', sid, rep or '', state)
  if state ~= 'offered' or not rep or redis.call('HGET', offers, rep) ~= sid then return false end
  redis.call('HDEL', offers, rep)
  local rep_state = redis.call('HGET', presence, rep)
  if rep_state == 'offered' then
    set_state(rep, 'available')
    return rep
  end
  if rep_state == 'busy' then
    set_state(rep, 'wrap-up')
    redis.call('ZADD', wrap_ends, wrap_until, rep)
  end
  return false
end

-- missed SID REP: the rep did not take the call; out of rotation, caller back in their place.
local function missed()
  local sid, rep = unpack(args)
  if redis.call('HGET', offers, rep) == sid then
    redis.call('HDEL', offers, rep)
    -- Rung and never connected (even after pressing 1 and dropping): out of rotation.
    local rep_state = redis.call('HGET', presence, rep)
    if rep_state == 'offered' or rep_state == 'busy' then set_state(rep, 'missed') end
  end
  local entry = entry_key(sid)
  if redis.call('HGET', entry, 'state') == 'offered' and redis.call('HGET', entry, 'rep') == rep then
    redis.call('HSET', entry, 'state', 'returned', 'rep', '')
    log('route.missed', sid, rep)
    return 1
  end
  return 0
end

-- unclaim SID REP: the caller could not be moved to the rep (Twilio unreachable): the offer is
-- undone, the caller back in their line at their score, the rep available as before.
local function unclaim()
  local sid, rep = unpack(args)
  if redis.call('HGET', offers, rep) ~= sid then return 0 end
  redis.call('HDEL', offers, rep)
  set_state(rep, 'available')
  local entry = entry_key(sid)
  local line, score = unpack(redis.call('HMGET', entry, 'line', 'score'))
  if redis.call('HGET', entry, 'state') == 'offered' and line_key[line] then
    redis.call('HSET', entry, 'state', 'waiting', 'rep', '')
    redis.call('ZADD', line_key[line], score, sid)
  end
  log('route.unclaimed', sid, rep)
  return 1
end

-- swap SID NEW PHONE: a caller becomes NEW, keeping their place: the same score in the same line
-- (or their owner's), the same deadlines, the same rep if one was offered them. A waiting caller
-- becomes their callback; a callback whose customer answered becomes that call. PHONE is the
-- customer's number; the entry remembers what it WAS. Returns 1, or 0 when SID is neither
-- waiting nor offered.
local function swap()
  local sid, new, phone = unpack(args)
  local entry = entry_key(sid)
  local state, line, owner, score, rep = unpack(redis.call('HMGET', entry, 'state', 'line', 'owner', 'score', 'rep'))
  if state == 'offered' then
    if not rep or redis.call('HGET', offers, rep) ~= sid then return 0 end
    redis.call('HSET', offers, rep, new)
  elseif state == 'waiting' or state == 'owner' then
    local waits_in = state == 'owner' and (owner_prefix .. owner) or line_key[line]
    redis.call('ZADD', waits_in, score, new)
    redis.call('ZREM', waits_in, sid)
  else
    return 0
  end
  for _, deadlines in ipairs({owner_ends, manager_ends}) do
    local until_at = redis.call('ZSCORE', deadlines, sid)
    if until_at then
      redis.call('ZADD', deadlines, until_at, new)
      redis.call('ZREM', deadlines, sid)
    end
  end
  redis.call('RENAME', entry, entry_key(new))
  redis.call('HSET', entry_key(new), 'phone', phone, 'was', sid)
  log('route.kept-place', sid, rep or '', new)
  return 1
end

-- expedite SID LINE: a waiting caller (a callback near its promised time) goes to the front of
-- LINE, waiting for nobody in particular. Returns 1, or 0 when they are not waiting.
local function expedite()
  local sid, to_line = unpack(args)
  local entry = entry_key(sid)
  local state = redis.call('HGET', entry, 'state')
  if (state ~= 'waiting' and state ~= 'owner') or not line_key[to_line] then return 0 end
  unlist(sid)
  redis.call('HSET', entry, 'state', 'waiting', 'line', to_line, 'owner', '', 'score', 0)
  redis.call('ZADD', line_key[to_line], 0, sid)
  log('route.expedited', sid, '', to_line)
  return 1
end

-- accepted SID REP: the rep pressed 1 in the whisper: on the call.
local function accepted()
  local sid, rep = unpack(args)
  if redis.call('HGET', offers, rep) ~= sid then return 0 end
  set_state(rep, 'busy')
  log('route.accepted', sid, rep)
  return 1
end

-- finished SID REP WRAP_UNTIL LINE SECONDS: the conversation is over: wrap-up, the caller done.
local function finished()
  local sid, rep, wrap_until, line, seconds = unpack(args)
  local entry = entry_key(sid)
  unlist(sid)
  redis.call('DEL', entry)
  if redis.call('HGET', offers, rep) ~= sid then return 0 end
  redis.call('HDEL', offers, rep)
  set_state(rep, 'wrap-up')
  redis.call('ZADD', wrap_ends, wrap_until, rep)
  if handled_key[line] and tonumber(seconds) >= 0 then  -- -1: length unknown
    redis.call('LPUSH', handled_key[line], seconds)
    redis.call('LTRIM', handled_key[line], 0, HANDLED_KEPT - 1)
  end
  note(sid, 'outcome', 'answered')
  log('route.finished', sid, rep, seconds)
  return 1
end

-- wrap-ups: reps whose wrap-up is over are available again; returns them.
local function wrap_ups()
  local due = redis.call('ZRANGEBYSCORE', wrap_ends, '-inf', now, 'LIMIT', 0, 100)
  local freed = {}
  for _, rep in ipairs(due) do
    redis.call('ZREM', wrap_ends, rep)
    if redis.call('HGET', presence, rep) == 'wrap-up' then
      set_state(rep, 'available')
      freed[#freed + 1] = rep
    end
  end
  return freed
end

-- hold SID: what the hold step tells a waiting caller: {position, reps on duty for their
-- line, total seconds and count of the line's latest conversations}.
local function hold()
  local sid = args[1]
  local line = redis.call('HGET', entry_key(sid), 'line')
  if not line or not line_key[line] then return {0, 0, 0, 0} end
  local total, handled = 0, redis.call('LRANGE', handled_key[line], 0, -1)
  for _, seconds in ipairs(handled) do total = total + tonumber(seconds) end
  return {position(sid), redis.call('SCARD', duty_key[line]), total, #handled}
end

-- take SID REP: a rep takes one particular waiting caller (a supervisor accepting an
-- escalation). The first to take them wins. Returns {'offered', rep, rep JSON}, or
-- {'refused', why} when the caller is no longer waiting or the rep is on a call.
local function take()
  local sid, rep = unpack(args)
  local state, taker = unpack(redis.call('HMGET', entry_key(sid), 'state', 'rep'))
  if state == 'offered' then return {'refused', 'taken', taker} end
  if state ~= 'waiting' and state ~= 'owner' then return {'refused', 'gone', ''} end
  local rep_state = redis.call('HGET', presence, rep)
  if rep_state == 'offered' or rep_state == 'busy' then return {'refused', 'busy', rep_state} end
  return offer(rep, sid)
end

-- overdue: callers for a manager who have waited their time; out of line, for voicemail.
local function overdue()
  local due = redis.call('ZRANGEBYSCORE', manager_ends, '-inf', now, 'LIMIT', 0, 100)
  local out = {}
  for _, sid in ipairs(due) do
    if redis.call('HGET', entry_key(sid), 'state') == 'waiting' then
      unlist(sid)
      redis.call('HSET', entry_key(sid), 'state', 'voicemail')
      log('route.no-manager', sid, '', MANAGERS)
      out[#out + 1] = sid
    else
      redis.call('ZREM', manager_ends, sid)
    end
  end
  return out
end

local commands = {
  place = place_command, arrive = arrive, claim = claim, presence = set_presence, release = release, missed = missed, unclaim = unclaim, swap = swap, expedite = expedite,
  accepted = accepted, finished = finished, ['wrap-ups'] = wrap_ups, promote = promote,
  position = function() return position(args[1]) end, hold = hold, take = take,
  overdue = overdue,
}
return commands[command]()
