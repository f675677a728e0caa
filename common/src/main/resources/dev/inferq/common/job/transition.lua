-- Moves a job to a new state only if its current status is one of the allowed ones, and publishes the new
-- state on the job's channel in the same atomic step, so a subscriber never sees a state that was not stored.
-- A job that leaves QUEUED leaves its model's queue (the sorted set queue positions are counted in); a job with a
-- webhook that reaches a terminal state becomes due for delivery, in the same step, so no delivery can be missed.
-- A job that reaches a terminal state leaves its tenant's active jobs; one that does not has its entry there kept
-- as long as its record (create.lua). A job that reaches a terminal state no longer needs its input bytes: they are
-- deleted in the same step, so an image does not hold Redis memory for the rest of the record's time to live.
-- A job that reaches a terminal state counts one on its model's completed jobs, which the gateway's backlog reads as
-- the queue's drain rate: a terminal state is reached once, here, so the count is exact.
-- ARGV[2] is the record's new time to live: from the terminal step on, the result's; before, the unfinished job's
-- safety net (the caller's choice). A webhook's hash, kept as long as the unfinished job, gets the result's too.
-- Which statuses are terminal, queued or allowed before the new one is JobStatus's rule alone: the caller says,
-- and this script never decides by a status's name.
-- KEYS[1] job record key, KEYS[2] events channel, KEYS[3] the model's queue, KEYS[4] the job's callback hash,
-- KEYS[5] the callbacks due, KEYS[6] the tenant's active jobs, KEYS[7] the job's input bytes,
-- KEYS[8] the model's completed jobs
-- ARGV[1] new record JSON, ARGV[2] time to live in seconds, ARGV[3] job id,
-- ARGV[4] '1' when the new status is terminal, ARGV[5] '1' when the new status keeps the job in its model's queue,
-- ARGV[6..n] statuses the job may currently have
local current = redis.call('GET', KEYS[1])
if not current then
  return 'MISSING'
end
local status = cjson.decode(current)['status']
local terminal = ARGV[4] == '1'
for i = 6, #ARGV do
  if ARGV[i] == status then
    redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
    if ARGV[5] ~= '1' then
      redis.call('ZREM', KEYS[3], ARGV[3])
    end
    if terminal then
      redis.call('ZREM', KEYS[6], ARGV[3])
      redis.call('DEL', KEYS[7])
      redis.call('INCR', KEYS[8])
    else
      redis.call('ZADD', KEYS[6], 'XX', (redis.call('TIME')[1] + ARGV[2]) * 1000, ARGV[3])
      redis.call('EXPIRE', KEYS[6], ARGV[2])
    end
    if terminal and redis.call('EXPIRE', KEYS[4], ARGV[2]) == 1 then
      local now = redis.call('TIME')
      redis.call('ZADD', KEYS[5], 'NX', now[1] * 1000 + math.floor(now[2] / 1000), ARGV[3])
    end
    redis.call('PUBLISH', KEYS[2], ARGV[1])
    return 'APPLIED'
  end
end
return status
