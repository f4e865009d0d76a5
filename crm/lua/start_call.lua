-- Log a new call once: a webhook Twilio retries must not make a second record or event.
-- KEYS[1] call record, KEYS[2] its path list, KEYS[3] events stream
-- ARGV[1] record JSON, ARGV[2] ttl seconds, ARGV[3] first step, ARGV[4] call sid, ARGV[5] caller id,
-- ARGV[6] approximate length the events stream is trimmed to
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'EX', ARGV[2]) then
  redis.call('RPUSH', KEYS[2], ARGV[3])
  redis.call('EXPIRE', KEYS[2], ARGV[2])
  redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[6], '*',
    'event', 'call.started', 'call_sid', ARGV[4], 'from', ARGV[5])
  return 1
end
return 0
