-- Who is calling (see who_is_calling.lua, sent in front of this).
-- KEYS[1] customer JSON, KEYS[2] set of open case references, KEYS[3] presence hash;
-- ARGV[1] prefix of case keys, ARGV[2] prefix of rep keys.
return (who_is_calling(KEYS[1], KEYS[2], KEYS[3], ARGV[1], ARGV[2]))
