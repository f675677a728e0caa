-- Enters a job's Kafka message in the outbox (JobOutbox), the one copy of how: the message under its own key, kept
-- keepSeconds at most (as long as an unfinished record), and the job's id in the outbox, scored by when a sweep may
-- take it (dueAt, epoch ms). Put in front of the scripts that enter jobs, as a local function.
local function enterOutbox(outboxKey, messageKey, id, message, keepSeconds, dueAt)
  redis.call('SET', messageKey, message, 'EX', keepSeconds)
  redis.call('ZADD', outboxKey, dueAt, id)
end
