-- The rule of which status may follow which, and what a move writes: the one copy of it, which transition.lua and
-- start.lua both run (JobScripts puts this text in front of theirs).
-- A move stores the new state and publishes it on the job's channel in the same atomic step, so a subscriber never
-- sees a state that was not stored.
-- A job that leaves QUEUED leaves its model's queue (the sorted set queue positions are counted in); a job with a
-- webhook that reaches a terminal state becomes due for delivery, in the same step, so no delivery can be missed.
-- A job that reaches a terminal state leaves its tenant's active jobs; one that does not has its entry there kept
-- as long as its record (create.lua). A job that reaches a terminal state no longer needs its input bytes: they are
-- deleted in the same step, so an image does not hold Redis memory for the rest of the record's time to live.
-- A job that reaches a terminal state counts one on its model's completed jobs, which the gateway's backlog reads as
-- the queue's drain rate: a terminal state is reached once, here, so the count is exact.
-- The record's new time to live is, from the terminal step on, the result's; before, the unfinished job's safety net
-- (the caller's choice). A webhook's hash, kept as long as the unfinished job, gets the result's too.
-- Which statuses are terminal, queued or allowed before the new one is JobStatus's rule alone: the caller says,
-- and these scripts never decide by a status's name.
-- A job's 8 keys, from KEYS[k + 1] on: its record, its events channel, its model's queue, its callback hash, the
-- callbacks due, its tenant's active jobs, its input bytes, its model's completed jobs.

-- The job's stored record and its status; nil when it has none.
local function read(k)
  local current = redis.call('GET', KEYS[k + 1])
  if not current then
    return nil
  end
  return current, cjson.decode(current)['status']
end

-- Whether a job may move from `status`: `allowed` lists the statuses that may precede the new one, each between
-- commas (',QUEUED,RUNNING,'; ',' when none may).
local function allows(allowed, status)
  return string.find(allowed, ',' .. status .. ',', 1, true) ~= nil
end

-- Stores `record`, the job's new state, for `ttl` seconds and publishes it; `terminal` and `queued` say what the new
-- status is.
local function apply(k, record, ttl, id, terminal, queued)
  redis.call('SET', KEYS[k + 1], record, 'EX', ttl)
  if not queued then
    redis.call('ZREM', KEYS[k + 3], id)
  end
  if terminal then
    redis.call('ZREM', KEYS[k + 6], id)
    redis.call('DEL', KEYS[k + 7])
    redis.call('INCR', KEYS[k + 8])
  else
    redis.call('ZADD', KEYS[k + 6], 'XX', (redis.call('TIME')[1] + ttl) * 1000, id)
    redis.call('EXPIRE', KEYS[k + 6], ttl)
  end
  if terminal and redis.call('EXPIRE', KEYS[k + 4], ttl) == 1 then
    local now = redis.call('TIME')
    redis.call('ZADD', KEYS[k + 5], 'NX', now[1] * 1000 + math.floor(now[2] / 1000), id)
  end
  redis.call('PUBLISH', KEYS[k + 2], record)
end
