-- The routing line and rep presence: every change is one atomic step, so two web processes
-- and a worker racing can never give one caller to two reps or two callers to one rep.
--
-- KEYS[1] presence hash (rep -> state)       KEYS[2] presence-since hash (rep -> epoch)
-- KEYS[3] offers hash (rep -> CallSid)         KEYS[4] wrap-up ends zset (rep -> epoch)
-- KEYS[5] owner-wait ends zset (sid -> epoch)  KEYS[6] events stream
-- KEYS[7 .. 6+n] each line's waiting zset, KEYS[7+n .. 6+2n] each line's available reps zset
-- ARGV[1] command, ARGV[2] now (epoch seconds), ARGV[3] prefix of waiting-caller hashes,
-- ARGV[4] prefix of owner lines, ARGV[5] prefix of a rep's lines set, ARGV[6] prefix of
-- rejoin keys, ARGV[7] n, ARGV[8 .. 7+n] line names; the command's own arguments follow.
-- Keys of callers and reps are built here from prefixes, so this needs a single Redis (or
-- all of one line's keys in one hash slot).

local presence, since, offers, wrap_ends, owner_ends, events = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6]
local command, now = ARGV[1], tonumber(ARGV[2])
local waiting_prefix, owner_prefix, lines_prefix, rejoin_prefix = ARGV[3], ARGV[4], ARGV[5], ARGV[6]
local n = tonumber(ARGV[7])
local line_key, available_key = {}, {}
for i = 1, n do
  line_key[ARGV[7 + i]] = KEYS[6 + i]
  available_key[ARGV[7 + i]] = KEYS[6 + n + i]
end
local args = {}
for i = 8 + n, #ARGV do args[#args + 1] = ARGV[i] end

local function log(kind, sid, rep, extra)
  redis.call('XADD', events, 'MAXLEN', '~', 1000000, '*', 'event', kind, 'call_sid', sid or '', 'rep', rep or '', 'detail', extra or '')
end

local function rep_lines(rep)
  return redis.call('SMEMBERS', lines_prefix .. rep .. ':lines')
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
end

local function offer(rep, sid)
  unlist(sid)
  set_state(rep, 'offered')
  redis.call('HSET', offers, rep, sid)
  redis.call('HSET', entry_key(sid), 'state', 'offered', 'rep', rep)
  redis.call('HINCRBY', entry_key(sid), 'offers', 1)
  log('route.offered', sid, rep)
  return {'offered', rep}
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

-- place SID LINE SCORE OWNER OWNER_WAIT_UNTIL PHONE SKIP_REP TIER TTL
-- A caller who needs a person: their owner if free, else anyone free on the line, else they
-- wait (for their owner first while the owner may soon be free). A caller already listed
-- keeps the score they had: a retried webhook or a declined ring never costs their place.
local function place()
  local sid, line, score, owner, owner_until, phone, skip, tier, ttl = unpack(args)
  local entry = entry_key(sid)
  local state, rep = unpack(redis.call('HMGET', entry, 'state', 'rep'))
  if state == 'offered' then return {'offered', rep} end
  if state == 'waiting' or state == 'owner' then return {'waiting', tostring(position(sid))} end
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
  redis.call('HSETNX', entry, 'arrived', now)
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
      return {'waiting', tostring(position(sid))}
    end
  end
  redis.call('HSET', entry, 'owner', '')
  local free = available_rep(line, skip)
  if free then return offer(free, sid) end
  redis.call('HSET', entry, 'state', 'waiting', 'rep', '')
  redis.call('ZADD', line_key[line], score, sid)
  log('route.waiting', sid, '', line)
  return {'waiting', tostring(position(sid))}
end

-- claim REP: the best waiting caller for a free rep (their own case callers first).
local function claim()
  local rep = args[1]
  promote()
  if redis.call('HGET', presence, rep) ~= 'available' then return false end
  local mine = redis.call('ZRANGE', owner_prefix .. rep, 0, 0)
  if mine[1] then
    offer(rep, mine[1])
    return mine[1]
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
    return best
  end
  return false
end

-- presence REP STATE WRAP_UNTIL: a rep (or the console, or the CLI) sets their own state.
-- Returns {'set', previous state} or {'refused', why}.
local function set_presence()
  local rep, state, wrap_until = unpack(args)
  local current = redis.call('HGET', presence, rep)
  if current == 'offered' then return {'refused', 'a call is ringing this rep; answer or decline it first'} end
  if current == 'busy' and state == 'available' and redis.call('HEXISTS', offers, rep) == 1 then
    return {'refused', 'this rep is on a call; they are available again after its wrap-up'}
  end
  set_state(rep, state)
  if state == 'wrap-up' then
    redis.call('ZADD', wrap_ends, wrap_until, rep)
  end
  redis.call('HDEL', offers, rep)
  log('presence.' .. state, '', rep, current or '')
  return {'set', current or 'offline'}
end

-- release SID: the caller is gone; a rep they were ringing goes back to available.
local function release()
  local sid, phone, rejoin_ttl = unpack(args)
  local entry = entry_key(sid)
  local state, rep, line, score = unpack(redis.call('HMGET', entry, 'state', 'rep', 'line', 'score'))
  if not state then return false end
  unlist(sid)
  redis.call('DEL', entry)
  if (state == 'waiting' or state == 'owner') and phone ~= '' and tonumber(rejoin_ttl) > 0 then
    redis.call('HSET', rejoin_prefix .. phone, 'line', line, 'score', score)
    redis.call('EXPIRE', rejoin_prefix .. phone, rejoin_ttl)
  end
  log('route.left', sid, rep or '', state)
  if state == 'offered' and rep and redis.call('HGET', offers, rep) == sid then
    redis.call('HDEL', offers, rep)
    if redis.call('HGET', presence, rep) == 'offered' then
      set_state(rep, 'available')
      return rep
    end
  end
  return false
end

-- missed SID REP: the rep did not take the call; out of rotation, caller back in their place.
local function missed()
  local sid, rep = unpack(args)
  if redis.call('HGET', offers, rep) == sid then
    redis.call('HDEL', offers, rep)
    if redis.call('HGET', presence, rep) == 'offered' then set_state(rep, 'missed') end
  end
  local entry = entry_key(sid)
  if redis.call('HGET', entry, 'state') == 'offered' and redis.call('HGET', entry, 'rep') == rep then
    redis.call('HSET', entry, 'state', 'returned', 'rep', '')
    log('route.missed', sid, rep)
    return 1
  end
  return 0
end

-- accepted SID REP: the rep pressed 1 in the whisper: on the call.
local function accepted()
  local sid, rep = unpack(args)
  if redis.call('HGET', offers, rep) ~= sid then return 0 end
  set_state(rep, 'busy')
  log('route.accepted', sid, rep)
  return 1
end

-- finished SID REP WRAP_UNTIL HANDLED_KEY: the conversation is over: wrap-up, the caller done.
local function finished()
  local sid, rep, wrap_until, handled_key, seconds = unpack(args)
  local entry = entry_key(sid)
  unlist(sid)
  redis.call('DEL', entry)
  if redis.call('HGET', offers, rep) ~= sid then return 0 end
  redis.call('HDEL', offers, rep)
  set_state(rep, 'wrap-up')
  redis.call('ZADD', wrap_ends, wrap_until, rep)
  redis.call('LPUSH', handled_key, seconds)
  redis.call('LTRIM', handled_key, 0, 49)
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

local commands = {
  place = place, claim = claim, presence = set_presence, release = release, missed = missed,
  accepted = accepted, finished = finished, ['wrap-ups'] = wrap_ups, promote = promote,
  position = function() return position(args[1]) end,
}
return commands[command]()
