-- Escalation ladders (R20). A ladder is a list of rungs, each reached when
-- the appeal is `after` late; escalate() returns the actions of the highest
-- rung reached. The scheduler calls escalate() on every sweep, so the host
-- sends each (appeal, rung) once.
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
    local reached = nil
    for _, rung in ipairs(parsed) do
      if late >= rung.after then reached = rung end
    end
    return reached and reached.actions or nil
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
