-- Callbacks as a state machine: every transition is one atomic step, so a web process, several
-- workers and the sweeper may all act on one callback and it still has one state and at most one
-- live attempt.
--
--   pending -> dialling (a rep is rung) -> connected (the customer is dialled) -> done
--   dialling -> pending (the rep never took it: the customer was not called)
--   connected -> retry-wait (due again after a back-off) -> dialling ...
--   connected -> failed (the last attempt)      any open state -> cancelled
-- Only a call to the customer counts as an attempt: a rep who misses costs them nothing.
--
-- KEYS[1] due zset (id -> epoch)   KEYS[2] dialling zset (id -> lease end)
-- KEYS[3] closed zset (id -> epoch) KEYS[4] live hash (phone -> id)
-- KEYS[5] by-origin hash (origin -> id)   KEYS[6] id sequence   KEYS[7] events stream
-- KEYS[8] promised zset (open id -> promised-by epoch)
-- ARGV[1] command, ARGV[2] now (epoch seconds), ARGV[3] callback key prefix,
-- ARGV[4] messages key suffix; the command's own arguments follow.

local due, dialling, closed, live, by_origin, sequence, events, promised =
  KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7], KEYS[8]
local command, now, prefix, messages_suffix = ARGV[1], tonumber(ARGV[2]), ARGV[3], ARGV[4]
local args = {}
for i = 5, #ARGV do args[#args + 1] = ARGV[i] end
local OPEN = {pending = true, ['retry-wait'] = true, dialling = true, connected = true}

local function key(id) return prefix .. id end

local function log(kind, id, detail)
  redis.call('XADD', events, 'MAXLEN', '~', 1000000, '*', 'event', kind, 'callback', id, 'detail', detail or '')
end

-- A callback leaves every open index: it will never be dialled again.
local function close(id, state, reason)
  local record = key(id)
  local phone = redis.call('HGET', record, 'phone')
  redis.call('HSET', record, 'state', state, 'closed', now, 'reason', reason or '', 'attempt', '')
  redis.call('ZREM', due, id)
  redis.call('ZREM', dialling, id)
  redis.call('ZADD', closed, now, id)
  redis.call('ZREM', promised, id)
  if phone and redis.call('HGET', live, phone) == id then redis.call('HDEL', live, phone) end
  log('callback.' .. state, id, reason)
end

-- request ORIGIN PHONE DUE PROMISED_BY MAX_ATTEMPTS MESSAGE_JSON FIELD VALUE ...
-- A new callback, or the same one again: a retried report (same origin) changes nothing, and a
-- customer who already has an open callback gets their message added to it, keeping its
-- promise. Returns {'created'|'merged', id, promised_by, 1 if this request was made before}.
local function request()
  local origin, phone, due_at, promised_by, max_attempts, message = args[1], args[2], args[3], args[4], args[5], args[6]
  local known = redis.call('HGET', by_origin, origin)
  if known then
    local first_origin, kept_promise = unpack(redis.call('HMGET', key(known), 'origin', 'promised_by'))
    return {first_origin == origin and 'created' or 'merged', known, kept_promise, 1}
  end
  local open = redis.call('HGET', live, phone)
  if open and OPEN[redis.call('HGET', key(open), 'state')] then
    redis.call('RPUSH', key(open) .. messages_suffix, message)
    redis.call('HSET', by_origin, origin, open)
    log('callback.merged', open, origin)
    return {'merged', open, redis.call('HGET', key(open), 'promised_by'), 0}
  end
  local id = 'CB-' .. redis.call('INCR', sequence)
  local record = key(id)
  redis.call('HSET', record, 'id', id, 'origin', origin, 'phone', phone, 'due', due_at,
    'promised_by', promised_by, 'max_attempts', max_attempts, 'attempts', 0, 'state', 'pending',
    'created', now)
  for i = 7, #args, 2 do redis.call('HSET', record, args[i], args[i + 1]) end
  redis.call('RPUSH', record .. messages_suffix, message)
  redis.call('ZADD', due, due_at, id)
  redis.call('ZADD', promised, promised_by, id)
  redis.call('HSET', live, phone, id)
  redis.call('HSET', by_origin, origin, id)
  log('callback.created', id, origin)
  return {'created', id, promised_by, 0}
end

-- start ID ATTEMPT LEASE_UNTIL FORCE: one attempt begins (a rep is rung), if the callback is
-- due (or FORCE, a person asked to start it now) and has no live attempt. Returns
-- {'started', attempts so far} or {'refused', state}.
local function start()
  local id, attempt, lease_until, force = args[1], args[2], args[3], args[4] == '1'
  local record = key(id)
  local state, due_at = unpack(redis.call('HMGET', record, 'state', 'due'))
  if state ~= 'pending' and state ~= 'retry-wait' then return {'refused', state or 'unknown'} end
  if not force and tonumber(due_at) > now then return {'refused', 'not due'} end
  redis.call('HSET', record, 'state', 'dialling', 'attempt', attempt, 'lease', lease_until, 'started', now, 'leg', '')
  redis.call('ZREM', due, id)
  redis.call('ZADD', dialling, lease_until, id)
  log('callback.dialling', id, attempt)
  return {'started', redis.call('HGET', record, 'attempts')}
end

-- take-due LIMIT HOLD_SECONDS: up to LIMIT callbacks due now, longest overdue first, each held
-- off the due list for HOLD_SECONDS while the process that took it puts it in line (in-line
-- then sets its recheck). Two processes never take the same one; one that dies holding them
-- leaves them due again when the hold ends.
local function take_due()
  local limit, hold = tonumber(args[1]), tonumber(args[2])
  local ids = redis.call('ZRANGEBYSCORE', due, '-inf', now, 'LIMIT', 0, limit)
  for _, id in ipairs(ids) do redis.call('ZADD', due, now + hold, id) end
  return ids
end

-- file-case ID REFERENCE: a callback that had no case is filed under REFERENCE (one opened for
-- it when a rep took it). Returns the case it is filed under: an earlier one stays.
local function file_case()
  local id, reference = args[1], args[2]
  local record = key(id)
  if redis.call('EXISTS', record) == 0 then return false end
  local filed = redis.call('HGET', record, 'case')
  if filed and filed ~= '' then return filed end
  redis.call('HSET', record, 'case', reference)
  log('callback.filed', id, reference)
  return reference
end

-- in-line ID RECHECK_AT: a due callback joined the line; the sweeper looks again at RECHECK_AT
-- (not at every sweep) in case the line lost it.
local function in_line()
  local id, recheck_at = args[1], args[2]
  local state = redis.call('HGET', key(id), 'state')
  if state ~= 'pending' and state ~= 'retry-wait' then return 0 end
  redis.call('ZADD', due, recheck_at, id)
  return 1
end

-- leg ID ATTEMPT CALL_SID: the call that rings the rep for this attempt, so the sweeper can ask
-- Twilio about it. Returns 1, or 0 for an attempt no longer live.
local function leg()
  local id, attempt, call_sid = args[1], args[2], args[3]
  local record = key(id)
  if redis.call('HGET', record, 'attempt') ~= attempt then return 0 end
  redis.call('HSET', record, 'leg', call_sid)
  return 1
end

-- requeue ID ATTEMPT: the rep rung never took the callback (no answer, declined, hung up,
-- or the attempt was lost before the customer was called): pending again, as due as before,
-- no attempt spent. Returns 1, or 0 when this attempt is not live or already reached the
-- customer.
local function requeue()
  local id, attempt = args[1], args[2]
  local record = key(id)
  local state, live_attempt, due_at = unpack(redis.call('HMGET', record, 'state', 'attempt', 'due'))
  if state ~= 'dialling' or live_attempt ~= attempt then return 0 end
  redis.call('HSET', record, 'state', 'pending', 'attempt', '', 'leg', '')
  redis.call('ZREM', dialling, id)
  redis.call('ZADD', due, due_at, id)
  log('callback.requeued', id, attempt)
  return 1
end

-- connected ID ATTEMPT: the rep took the callback and the customer is being dialled: an
-- attempt is spent. Only the live attempt may connect. Returns the attempts spent, or 0 when
-- this attempt is no longer the live one.
local function connected()
  local id, attempt = args[1], args[2]
  local record = key(id)
  local state, live_attempt = unpack(redis.call('HMGET', record, 'state', 'attempt'))
  if state ~= 'dialling' or live_attempt ~= attempt then return 0 end
  redis.call('HSET', record, 'state', 'connected', 'connected_at', now)
  log('callback.connected', id, attempt)
  return redis.call('HINCRBY', record, 'attempts', 1)
end

-- lease ID ATTEMPT LEASE_UNTIL: the live attempt is still on a call; the sweeper leaves it.
local function lease()
  local id, attempt, lease_until = args[1], args[2], args[3]
  local record = key(id)
  local state, live_attempt = unpack(redis.call('HMGET', record, 'state', 'attempt'))
  if (state ~= 'dialling' and state ~= 'connected') or live_attempt ~= attempt then return 0 end
  redis.call('HSET', record, 'lease', lease_until)
  redis.call('ZADD', dialling, lease_until, id)
  return 1
end

-- finish ID ATTEMPT OUTCOME REASON BACKOFF...: how the call to the customer ended. 'answered'
-- is done (kept if by the promise); anything else waits the back-off for its attempt number,
-- or fails after the last. A report for another attempt, or a second report, changes nothing.
-- Returns the state now, or {'ignored', state}.
local function finish()
  local id, attempt, outcome, reason = args[1], args[2], args[3], args[4]
  local record = key(id)
  local state, live_attempt, attempts, max_attempts, promised_by = unpack(redis.call('HMGET', record,
    'state', 'attempt', 'attempts', 'max_attempts', 'promised_by'))
  if state ~= 'connected' or live_attempt ~= attempt then
    return {'ignored', state or 'unknown'}
  end
  redis.call('HSET', record, 'last_outcome', outcome)
  if outcome == 'answered' then
    local margin = tonumber(promised_by) - now
    redis.call('HSET', record, 'kept', margin >= 0 and 1 or 0, 'margin', margin)
    close(id, 'done', '')
    return {'done'}
  end
  attempts = tonumber(attempts)
  if attempts >= tonumber(max_attempts) then
    close(id, 'failed', reason)
    return {'failed'}
  end
  local backoffs = #args - 4
  local wait = tonumber(args[4 + math.min(attempts, backoffs)])
  redis.call('HSET', record, 'state', 'retry-wait', 'attempt', '', 'leg', '', 'due', now + wait)
  redis.call('ZREM', dialling, id)
  redis.call('ZADD', due, now + wait, id)
  log('callback.retry-wait', id, reason)
  return {'retry-wait'}
end

-- cancel ID REASON: the customer or a person calls it off. Returns the state it had, or
-- {'refused', state} for one already closed.
local function cancel()
  local id, reason = args[1], args[2]
  local state = redis.call('HGET', key(id), 'state')
  if not OPEN[state] then return {'refused', state or 'unknown'} end
  close(id, 'cancelled', reason)
  return {'cancelled', state}
end

-- escalate ID LEVEL: an open callback near its promised time is escalated to LEVEL (1: any
-- free rep of its line, 2: the supervisors); each level once. Returns 1 when raised.
local function escalate()
  local id, level = args[1], tonumber(args[2])
  local record = key(id)
  local state, current = unpack(redis.call('HMGET', record, 'state', 'escalated'))
  if not OPEN[state] or (tonumber(current) or 0) >= level then return 0 end
  redis.call('HSET', record, 'escalated', level)
  log('callback.escalated', id, level)
  return 1
end

-- defer ID DUE: a waiting callback that may not ring the customer now (their night) is due
-- again at DUE. Returns 1, or 0 when it is not waiting.
local function defer()
  local id, due_at = args[1], args[2]
  local state = redis.call('HGET', key(id), 'state')
  if state ~= 'pending' and state ~= 'retry-wait' then return 0 end
  redis.call('HSET', key(id), 'due', due_at)
  redis.call('ZADD', due, due_at, id)
  log('callback.deferred', id, due_at)
  return 1
end

local commands = {escalate = escalate, defer = defer, request = request, start = start, ['in-line'] = in_line, ['take-due'] = take_due, ['file-case'] = file_case, leg = leg, requeue = requeue,
  connected = connected, lease = lease, finish = finish, cancel = cancel}
return commands[command]()
