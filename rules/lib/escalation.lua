-- Escalation ladders (R20). A ladder is a list of rungs, each reached when
-- the appeal is `after` late; escalate() returns the actions of the highest
-- rung reached, with `rung` (its `after` in seconds, as a string) and `next`
-- (seconds late at which the next rung starts, nil at the top). The scheduler
-- fires each (appeal, deadline, rung, action) once and looks again at `next`.
--
--   local escalation = include "lib/escalation.lua"
--   escalate = escalation.ladder {
--     { after = "0m", { notify = "executor", mark = "overdue" } },
--     { after = "1d", { notify = "head" } },
--   }

local E = {}

function E.ladder(rungs)
  local parsed = {}
  for i, rung in ipairs(rungs) do
    local after = vikno.duration(rung.after or "0m")
    if i > 1 and after <= parsed[i - 1].after then
      error("escalation ladder: rung " .. i .. " must come later than rung " .. (i - 1), 2)
    end
    local actions = {}
    for _, action in ipairs(rung) do actions[#actions + 1] = action end
    if #actions == 0 then error("escalation ladder: rung " .. i .. " has no actions", 2) end
    parsed[i] = { after = after, actions = actions }
  end
  return function(appeal, late)
    local reached, next_after = nil, nil
    for i, rung in ipairs(parsed) do
      if late >= rung.after then
        reached = rung
        next_after = parsed[i + 1] and parsed[i + 1].after or nil
      end
    end
    if not reached then return nil end
    -- A fresh list each call, naming the rung (its `after`, stable when a
    -- rung is inserted before it) and when the next one starts, so the
    -- scheduler fires each rung once and knows when to look again.
    local out = { rung = tostring(reached.after), next = next_after }
    for i, action in ipairs(reached.actions) do out[i] = action end
    return out
  end
end

-- Two ladders chosen by appeal type: urgent types climb faster.
function E.by_type(ladders, default)
  return function(appeal, late)
    local ladder = ladders[appeal.type] or default
    return ladder(appeal, late)
  end
end

return E
