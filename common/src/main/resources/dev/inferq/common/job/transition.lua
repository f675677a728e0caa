-- Moves a job to a new state only if its current status is one of the allowed ones, and publishes the new
-- state on the job's channel in the same atomic step, so a subscriber never sees a state that was not stored.
-- KEYS[1] job record key, KEYS[2] events channel
-- ARGV[1] new record JSON, ARGV[2] time to live in seconds, ARGV[3..n] statuses the job may currently have
local current = redis.call('GET', KEYS[1])
if not current then
  return 'MISSING'
end
local status = cjson.decode(current)['status']
for i = 3, #ARGV do
  if ARGV[i] == status then
    redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
    redis.call('PUBLISH', KEYS[2], ARGV[1])
    return 'APPLIED'
  end
end
return status
