-- Пирятин: «Контакт-Центр Пирятинської ОТГ» (seed 003).
-- The regulation: Регламент роботи „Контакт-Центр Пирятинської ОТГ“,
-- рішення виконкому від 14.11.2018 № 360.

local moderation = include "lib/moderation.lua"
local escalation = include "lib/escalation.lua"
local routing = include "lib/routing.lua"

city {
  name = "Пирятин",
  timezone = "Europe/Kyiv",
  -- 003 §2.1: "понеділок – четвер з 8.00 до 17.15 год., п'ятниця з 8.00 до
  -- 16.00 год., обідня перерва з 12.00 до 13.00 год., вихідні дні: субота
  -- та неділя".
  hours = { mon = { "08:00", "17:15" }, tue = { "08:00", "17:15" }, wed = { "08:00", "17:15" },
            thu = { "08:00", "17:15" }, fri = { "08:00", "16:00" } },
  lunch = { "12:00", "13:00" },
  -- Public holidays kept as days off by the council (see lib/holidays.lua).
  holidays = include "lib/holidays.lua",
  notify_window = { "06:00", "23:00" },
  default_type = "ordinary",
  -- 003 §4.1: repeated appeals "з однієї причини і проблеми" are controlled
  -- directly by the department. The regulation names no period; a month
  -- covers the law's longest term before extensions (art. 20).
  repeat_window = "30d",
}

-- 003 §2.2: "строк розгляду встановлюється автоматично згідно з чинним
-- законодавством" — Law «Про звернення громадян», art. 20: an appeal that
-- needs no further study at once but within 15 days; otherwise within one
-- month; with extensions no more than 45 days in all.
-- Acceptance (R11): 2 hours of the executor's working time.
appeal_type { id = "emergency", name = "Аварійне",   accept = "30m",               resolve = "24h" }
appeal_type { id = "ordinary",  name = "Звичайне",   accept = vikno.working("2h"), resolve = "15d" }
appeal_type { id = "study",     name = "Потребує додаткового вивчення",
              accept = vikno.working("2h"), resolve = "30d" }
-- 003 §2.4, §3.3: included in the strategic plan (СЕР) under budget financing.
appeal_type { id = "long",      name = "Включене до плану СЕР", accept = vikno.working("2h"), resolve = false }

include "classifier.lua"

function classify(appeal)
  local category = routing.category_of(appeal)
  if not category then
    -- 003 §2.1: the specialist may call the resident back to clarify.
    return { moderation = "no entry of the Класифікатор звернень matched (003 §2.1: clarify)" }
  end
  return { category = category }
end

-- 003 §4.1: daily reports to the executors' heads, weekly to the deputy
-- mayor; repeated appeals about the same problem are controlled directly by
-- the department and may lead to a commission inspection.
local ladder = escalation.ladder {
  { after = "0m", { notify = "executor", mark = "overdue" } },
  { after = "1d", { notify = "head" } },
  { after = "7d", { notify = "deputy_mayor" } },
}
function escalate(appeal, late)
  local actions = ladder(appeal, late)
  if appeal.is_repeat then
    actions = { table.unpack(actions or {}) }
    actions[#actions + 1] = { notify = "moderator", inspection = true }
  end
  return actions
end

-- 003 §2.5: calls to hatred are not registered; profanity ends the call.
function moderate(text)
  return moderation.check(text)
end

-- 003 §3.3: a further extension is asked "з відома міського голови"; the law
-- (art. 20) caps the whole term at 45 days from registration.
function extend(appeal, due, requested, nth)
  if requested - appeal.created_at > vikno.days(45) then
    return { allow = false, reason = "Закон «Про звернення громадян», ст. 20: не більше 45 днів" }
  end
  return { allow = true, due = requested, approver = nth >= 2 and "mayor" or "decision_maker" }
end
