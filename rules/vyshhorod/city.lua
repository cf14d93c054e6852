-- Вишгород: програма «Контактний центр «Телефонна служба міста» (seed 004).
-- The programme describes a ServiceDesk in the ITIL manner: a directory of
-- request types ("Довідник «Типи запитів»") "з установкою рівня
-- обслуговування (SLA) по кожному типу". The programme names no numbers;
-- the SLA of each type below is the city's setting, kept here in one place.

local moderation = include "lib/moderation.lua"
local escalation = include "lib/escalation.lua"

city {
  name = "Вишгород",
  timezone = "Europe/Kyiv",
  -- The operators of the contact centre work office hours; emergencies of
  -- the communal enterprises are handled round the clock.
  hours = { weekdays = { "08:00", "17:00" } },
  lunch = { "13:00", "14:00" },
  notify_window = { "06:00", "23:00" },
  default_type = "normal",
}

-- SLA per request type (004, "Довідник «Типи запитів»").
appeal_type { id = "critical", name = "Критичний (загроза життю, аварія мережі)",
              accept = "15m", resolve = "4h" }
appeal_type { id = "high",     name = "Високий (відсутність послуги)",
              accept = "30m", resolve = "24h" }
appeal_type { id = "normal",   name = "Звичайний запит",
              accept = vikno.working("2h"), resolve = vikno.working_days(5) }
appeal_type { id = "low",      name = "Планові роботи, благоустрій",
              accept = vikno.working("4h"), resolve = vikno.working_days(15) }
appeal_type { id = "info",     name = "Довідка з бази знань",
              accept = vikno.working("1h"), resolve = vikno.working("8h") }

-- 004 "Задіяні підприємства" and "Додаткові підприємства".
executor { id = "uk",       name = "КП Управляюча компанія ВМР" }
executor { id = "blago",    name = "КП Благоустрій-Вишгород ВМР" }
executor { id = "water",    name = "Вишгородське МКП Водоканал" }
executor { id = "teplo",    name = "ВРКП Вишгородтепломережа" }
executor { id = "gas",      name = "Вишгородська філія ПАТ «Київоблгаз»" }
executor { id = "power",    name = "Вишгородський районний підрозділ ПАТ «А.Е.С. Київобленерго»" }
executor { id = "centre",   name = "Контактний центр «Телефонна служба міста»" }

include "request_types.lua"

function classify(appeal)
  if appeal.category ~= "" and vikno.categories.is_leaf(appeal.category) then
    return { category = appeal.category }
  end
  local found = vikno.categories.match(appeal.text)
  if not found then return { moderation = "the operator chooses the request type" } end
  return { category = found }
end

-- 004 task 7: "Виконання контролю за вирішенням кожного питання, дотримання
-- строків обробки"; the mayor's report shows the late ones.
local fast = escalation.ladder {
  { after = "0m", { notify = "executor", mark = "overdue", raise_priority = true }, { notify = "head" } },
  { after = "4h", { notify = "mayor" } },
}
local slow = escalation.ladder {
  { after = "0m", { notify = "executor", mark = "overdue" } },
  { after = "2d", { notify = "head" } },
}
escalate = escalation.by_type({ critical = fast, high = fast }, slow)

function moderate(text)
  return moderation.check(text)
end

-- 004 task 6: feedback from residents after the problem is solved (surveys).
function on_status(appeal, from, to)
  if to == "completed" then
    return { notify = "resident", message = "Оцініть, будь ласка, виконання заявки (1-5)" }
  end
  return nil
end
