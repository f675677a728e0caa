-- Stores a new QUEUED job, puts it at the end of its model's queue, among its tenant's active jobs and in its tenant's
-- job list, in one atomic step: concurrent submits of one tenant, on any number of gateways, cannot overrun the
-- tenant's cap together, a listed job always had a record, and a job whose Kafka message is in the outbox has one (the
-- gateway's submit): a gateway that dies before its publish leaves the job to a sweep, and one refused leaves nothing.
-- The record is kept until its job ends (the terminal step gives it the time to live), at most ARGV[7] seconds, a
-- safety net. Active entries are scored by when the record expires unless it changes again; those past it are
-- trimmed first, so a job whose record expired without reaching a terminal status stops counting.
-- Listed entries are scored by creation time; those created more than a time to live ago are trimmed, and so are all
-- but the newest ARGV[6], so that no tenant's list grows without bound.
-- KEYS[1] job record key, KEYS[2] the model's queue, KEYS[3] the tenant's active jobs, KEYS[4] the tenant's job list
-- ARGV[1] record JSON, ARGV[2] time to live in seconds, ARGV[3] job id, ARGV[4] queue and list score (accepted at,
-- epoch ms), ARGV[5] most active jobs the tenant may have (0: no cap), ARGV[6] most jobs its list keeps (at least 1),
-- ARGV[7] the unfinished record's time to live in seconds
-- Only for a job entering the outbox too (JobOutbox.Entry): KEYS[5] the outbox, KEYS[6] its message's key, ARGV[8] the
-- message, ARGV[9] milliseconds until a sweep may take it, on Redis's clock as the sweeps' claims count.
-- Answers EXISTS when the id is taken, FULL:<n> when the tenant has n active jobs and n reaches the cap, else
-- CREATED:<n> where n counts the new job.
if redis.call('EXISTS', KEYS[1]) == 1 then
  return 'EXISTS'
end
local now = redis.call('TIME')
local nowMs = now[1] * 1000 + math.floor(now[2] / 1000)
-- Counted without a write, so that the record's SET is the script's first write: in a script that starts while Redis
-- is past maxmemory, Redis refuses the first write that may grow its memory but none after it, so this refuses the
-- whole job.
local active = redis.call('ZCOUNT', KEYS[3], '(' .. nowMs, '+inf')
local cap = tonumber(ARGV[5])
if cap > 0 and active >= cap then
  return 'FULL:' .. active
end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[7])
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', nowMs)
if KEYS[5] then
  enterOutbox(KEYS[5], KEYS[6], ARGV[3], ARGV[8], ARGV[7], nowMs + ARGV[9])
end
redis.call('ZADD', KEYS[2], ARGV[4], ARGV[3])
redis.call('ZADD', KEYS[3], nowMs + ARGV[7] * 1000, ARGV[3])
redis.call('EXPIRE', KEYS[3], ARGV[7])
redis.call('ZADD', KEYS[4], ARGV[4], ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[4], '-inf', nowMs - ARGV[2] * 1000 - 1)
redis.call('ZREMRANGEBYRANK', KEYS[4], 0, -1 - tonumber(ARGV[6]))
redis.call('EXPIRE', KEYS[4], ARGV[2])
return 'CREATED:' .. (active + 1)
