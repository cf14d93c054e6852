-- Суми: міський «Чат-бот «15-80» (seed 000).
-- The regulation: Регламент роботи міського «Чат-боту «15-80»,
-- додаток 1 до розпорядження міського голови.

local moderation = include "lib/moderation.lua"
local escalation = include "lib/escalation.lua"
local routing = include "lib/routing.lua"

city {
  name = "Суми",
  timezone = "Europe/Kyiv",
  -- 000 §4.1: the bot takes appeals 24/7; the regulation sets no office
  -- hours for the 48 hours of §4.4, so deadlines run in calendar time.
  -- 000 §4.3: notices about works go out from 06:00 to 23:00 only.
  notify_window = { "06:00", "23:00" },
  default_type = "urgent",
}

-- 000 §4.4: "Звернення ... про аварійну ситуацію чи іншу невідкладну
-- проблему розглядаються протягом 48 годин." The regulation names no
-- acceptance time, so R11's (002 §7.1) are used: emergencies 30 minutes,
-- other urgent problems 2 hours.
appeal_type { id = "emergency", name = "Аварійна ситуація",      accept = "30m", resolve = "48h" }
appeal_type { id = "urgent",    name = "Невідкладна проблема",   accept = "2h",  resolve = "48h" }
-- Works that need a budget go to the strategic plan (R14) and are watched
-- until done, without a resolution deadline.
appeal_type { id = "long",      name = "Довгострокова",          accept = "2h",  resolve = false }

include "categories.lua"

-- The resident's own choice wins when it is a leaf of §7; otherwise the text
-- decides, looking first at the place the problem is in (§7 is ordered
-- executor > place > topic > problem).
function classify(appeal)
  local category = routing.category_of(appeal)
  if not category then
    -- 000 §5.4.6: the moderator may ask the resident for details.
    return { moderation = "no category of 000 §7 matched the text" }
  end
  return { category = category }
end

-- 000 §5.3.1: the administrator watches the appeals and reminds the
-- moderators of the stage they are at; §5.4.4: the moderator controls the
-- work. Past 48 hours the administrator is told.
local emergency_ladder = escalation.ladder {
  { after = "0m",  { notify = "moderator", mark = "overdue", raise_priority = true } },
  { after = "2h",  { notify = "administrator" }, { notify = "head" } },
}
local ordinary_ladder = escalation.ladder {
  { after = "0m",  { notify = "moderator", mark = "overdue" } },
  { after = "24h", { notify = "administrator" } },
}
escalate = escalation.by_type({ emergency = emergency_ladder }, ordinary_ladder)

-- 000 §5.3.9: no profanity or insults; repeated misbehaviour may be blocked.
function moderate(text)
  return moderation.check(text)
end

-- 000 §6.6.4-6.6.6: once the work is done the resident is asked to confirm;
-- "not confirmed" goes back to the moderator of the service.
function on_status(appeal, from, to)
  if to == "not_confirmed" then
    return { { notify = "moderator", message = "Заявник не підтвердив виконання" } }
  end
  return nil
end
