-- Калуш: електронний сервіс «чат-бот гаряча лінія» (seed 001).
-- The regulation: Регламент роботи електронного сервісу “чат-бот гаряча
-- лінія” Калуської міської ради, розпорядження від 02.06.2021 № 174-р.

local moderation = include "lib/moderation.lua"
local escalation = include "lib/escalation.lua"
local routing = include "lib/routing.lua"

city {
  name = "Калуш",
  timezone = "Europe/Kyiv",
  -- 001 §3.1: appeals are taken round the clock through Telegram and Viber;
  -- §4.3: in working time they go to the responsible person.
  hours = { weekdays = { "08:00", "17:00" } },
  lunch = { "12:00", "13:00" },
  notify_window = { "06:00", "23:00" },
  default_type = "ordinary",
}

-- 001 §4.5, §6.1.1: the responsible person sets the term and the decision
-- makers may correct it; these are the terms proposed automatically, from
-- the law the regulation rests on (§1.1, Law «Про звернення громадян»,
-- art. 20: 15 days without further study, otherwise one month).
-- Acceptance runs in working time because appeals reach the responsible
-- person in working time (§4.3).
appeal_type { id = "emergency", name = "Аварійне",  accept = "30m",               resolve = "24h" }
appeal_type { id = "ordinary",  name = "Звичайне",  accept = vikno.working("2h"), resolve = "15d" }
appeal_type { id = "study",     name = "Потребує вивчення", accept = vikno.working("2h"), resolve = "30d" }
-- §4.6, §6.4.3: included in the strategic plan of development (СЕР).
appeal_type { id = "long",      name = "Стратегічний план", accept = vikno.working("2h"), resolve = false }

include "classifier.lua"

function classify(appeal)
  local category = routing.category_of(appeal)
  if not category then
    -- §5.1: the executor may clarify with the resident through the bot; the
    -- responsible person routes what the classifier does not know.
    return { moderation = "the responsible person routes it (001 §4.5)" }
  end
  return { category = category }
end

-- §6.2.1: the responsible person informs the decision makers of late
-- executors; §6.3.2: they take disciplinary measures.
escalate = escalation.ladder {
  { after = "0m", { notify = "moderator", mark = "overdue" }, { notify = "executor" } },
  { after = "1d", { notify = "decision_maker" } },
}

-- §4.4: calls to hatred are not processed; profanity stops the dialogue.
function moderate(text)
  return moderation.check(text)
end

-- §7: a negative answer of the resident forms a repeat appeal back to the
-- executor; §6.2.2 the responsible person may return the work for rework.
function on_status(appeal, from, to)
  if to == "not_confirmed" or to == "returned_for_rework" then
    return { { notify = "executor", message = "Повторне опрацювання (001 §7)" },
             { notify = "moderator" } }
  end
  return nil
end
