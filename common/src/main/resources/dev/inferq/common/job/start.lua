-- Starts a batch's jobs in one atomic step, so that a worker starts a whole batch with one call: for each job, reads
-- its record and, when its status may precede RUNNING and is one this call may start from, counts this delivery of
-- it and moves it to RUNNING (transition-rule.lua, in front of this text). A job not started is not counted: only a
-- start brings a job nearer to giving up. A job counted past the most deliveries is given up instead: it stays as it
-- is, and the caller ends it FAILED.
-- The RUNNING record is given whole (no anchors), or built from the stored one: the caller then gives only what a
-- start writes, the text between each pair of anchors (field names as the record's JSON writes them, in its order),
-- and the rest stays as stored, byte for byte (the trace id, the tenant, the webhook flag...), so that the worker
-- needs no read of the record first.
-- ARGV[1] most deliveries, ARGV[2] the deliveries count's time to live in seconds, ARGV[3] the RUNNING record's time
-- to live in seconds, ARGV[4] '1' when RUNNING is terminal, ARGV[5] '1' when RUNNING keeps a job in its model's queue,
-- ARGV[6] the statuses that may precede RUNNING, each between commas, ARGV[7] the number p of anchor pairs,
-- ARGV[8 .. 7 + 2p] the anchors.
-- Per job j, from 0: its 8 keys from KEYS[9j + 1] on (transition-rule.lua), then KEYS[9j + 9] its deliveries count;
-- from b = 7 + 2p + (3 + max(p, 1)) j: ARGV[b + 1] its id, ARGV[b + 2] '1' to count this delivery ('0': counted by
-- an earlier call), ARGV[b + 3] the statuses it may be started from, each between commas (',' to only read it),
-- ARGV[b + 4 ..] its whole RUNNING record, or the text that replaces each pair's span.
-- Answers three values per job, in order: APPLIED, GIVEN_UP, MISSING or the status that kept it from starting; the
-- deliveries counted so far when this call counted one, else 0; the record as it was before, '' when missing.
local spans = tonumber(ARGV[7])
local texts = math.max(spans, 1)

-- The stored record with each anchored span replaced by the job's text; nil when an anchor is missing (a record
-- written in an older shape), which leaves the job as it is.
local function spliced(current, b)
  local parts, from = {}, 1
  for i = 1, spans do
    local first = string.find(current, ARGV[6 + 2 * i], from, true)
    local after = first and string.find(current, ARGV[7 + 2 * i], first + 1, true)
    if not after then
      return nil
    end
    parts[#parts + 1] = string.sub(current, from, first - 1)
    parts[#parts + 1] = ARGV[b + 3 + i]
    from = after
  end
  parts[#parts + 1] = string.sub(current, from)
  return table.concat(parts)
end

local replies = {}
for j = 0, (#ARGV - 7 - 2 * spans) / (3 + texts) - 1 do
  local k, b = 9 * j, 7 + 2 * spans + (3 + texts) * j
  local current, status = read(k)
  local outcome, deliveries = status, 0
  local running = current and allows(ARGV[6], status) and allows(ARGV[b + 3], status)
      and (spans == 0 and ARGV[b + 4] or spliced(current, b))
  if not current then
    outcome = 'MISSING'
  elseif running then
    if ARGV[b + 2] == '1' then
      deliveries = redis.call('INCR', KEYS[k + 9])
      redis.call('EXPIRE', KEYS[k + 9], ARGV[2])
    end
    if deliveries > tonumber(ARGV[1]) then
      outcome = 'GIVEN_UP'
    else
      apply(k, running, ARGV[3], ARGV[b + 1], ARGV[4] == '1', ARGV[5] == '1')
      outcome = 'APPLIED'
    end
  end
  replies[3 * j + 1] = outcome
  replies[3 * j + 2] = tostring(deliveries)
  replies[3 * j + 3] = current or ''
end
return replies
