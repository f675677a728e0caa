-- Moves jobs to new states, each only if its current status may precede its new one (transition-rule.lua, in front
-- of this text), all in one atomic step: a worker stores a whole batch's outcomes with one call.
-- Per job j, from 0: its 8 keys from KEYS[8j + 1] on (transition-rule.lua); ARGV[6j + 1] its new record JSON,
-- ARGV[6j + 2] the record's time to live in seconds, ARGV[6j + 3] its id, ARGV[6j + 4] '1' when the new status is
-- terminal, ARGV[6j + 5] '1' when the new status keeps the job in its model's queue, ARGV[6j + 6] the statuses it may
-- currently have, each between commas.
-- Answers, per job in order: APPLIED; MISSING when it has no record; else the status that refused the move.
local replies = {}
for j = 0, #ARGV / 6 - 1 do
  local k, a = 8 * j, 6 * j
  local current, status = read(k)
  if not current then
    replies[j + 1] = 'MISSING'
  elseif allows(ARGV[a + 6], status) then
    apply(k, ARGV[a + 1], ARGV[a + 2], ARGV[a + 3], ARGV[a + 4] == '1', ARGV[a + 5] == '1')
    replies[j + 1] = 'APPLIED'
  else
    replies[j + 1] = status
  end
end
return replies
