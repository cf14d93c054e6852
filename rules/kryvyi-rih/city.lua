-- Кривий Ріг: е-сервіс «Контакт-центр 1520» (seed 002).
-- The regulation: Регламент роботи електронного сервісу Контакт-центр
-- виконкому Криворізької міської ради.

local moderation = include "lib/moderation.lua"
local escalation = include "lib/escalation.lua"

city {
  name = "Кривий Ріг",
  timezone = "Europe/Kyiv",
  -- 002 §3.1: calls are taken in the working time of the executive
  -- committee; web appeals round the clock. §3.1 refers to the committee's
  -- own regulation for the hours; these are the usual hours of a Ukrainian
  -- council (40-hour week).
  hours = { mon = { "08:00", "17:15" }, tue = { "08:00", "17:15" }, wed = { "08:00", "17:15" },
            thu = { "08:00", "17:15" }, fri = { "08:00", "16:00" } },
  lunch = { "12:00", "13:00" },
  notify_window = { "06:00", "23:00" },
  default_type = "ordinary",
}

-- 002 §4.2 types and their deadlines (R10), 002 §7.1 acceptance (R11):
-- "Виконавець невідкладно, але не пізніше двох годин, а SOS та аварійні
-- заявки – не пізніше 30 хвилин, приймає в роботу".
-- SOS and emergencies run round the clock. A routine appeal that arrives
-- after hours is moderated at the start of the next working day (§3.2), so
-- its two hours to accept are working hours; its 5 and 15 days are
-- calendar days, as §4.2.3 says.
appeal_type { id = "sos",       name = "SOS",             accept = "30m", resolve = "2h" }   -- §4.2.1
appeal_type { id = "emergency", name = "Аварійна",        accept = "30m", resolve = "24h" }  -- §4.2.2
appeal_type { id = "ordinary",  name = "Звичайна",        accept = vikno.working("2h"), resolve = "5d" }   -- §4.2.3.1
appeal_type { id = "medium",    name = "Середньострокова", accept = vikno.working("2h"), resolve = "15d" } -- §4.2.2.2
appeal_type { id = "long",      name = "Довгострокова",   accept = vikno.working("2h"), resolve = false }  -- §4.2.3.3: until done

include "classifier.lua"

-- 002 §4.2.1: a threat to life or health is SOS whatever the resident chose.
local sos_words = { "загроз житт", "загроз здоров", "без свідом", "не дихає", "кров тече",
                    "оголен дрот", "оголен дріт", "обірван дрот", "обірван дріт", "дріт під напруг", "дитина впал", "людина впал",
                    "провалил", "придавил" }

-- 002 §5.4 (R13): questions of state bodies get a consultation naming the
-- right body, not an appeal; a person gives it.
local state_bodies = {
  { words = { "пенсі" },               body = "Пенсійний фонд України" },
  { words = { "субсиді" },             body = "Управління соціального захисту / Пенсійний фонд" },
  { words = { "паспорт", "прописк" },  body = "Державна міграційна служба" },
  { words = { "податк" },              body = "Державна податкова служба" },
}

function classify(appeal)
  if vikno.text.has_stem(appeal.text, sos_words) then
    return { category = "sos/threat" }
  end
  for _, b in ipairs(state_bodies) do
    if vikno.text.has_stem(appeal.text, b.words) then
      return { moderation = "R13, 002 §5.4: outside the city's competence, consult: " .. b.body }
    end
  end
  -- 002 §5.11: the executor and deadline follow from the classifier; the
  -- operator's choice stands where the classifier allows.
  if appeal.category ~= "" and vikno.categories.is_leaf(appeal.category) then
    return { category = appeal.category }
  end
  local found = vikno.categories.match(appeal.text)
  if not found then return { moderation = "no classifier entry matched (002 §5.9: call the resident)" } end
  -- Gas, water, heat and power failures in winter nights are emergencies
  -- (§4.2.2) even when the resident filed a "weak heating" complaint.
  local result = { category = found }
  if found == "housing/heating-weak" and vikno.text.has_stem(appeal.text, { "зовсім нема", "повністю відсутн" }) then
    result.type = "emergency"
  end
  -- 002 §7.2: a broken pipe in a yard may need both the water company and
  -- the district housing service.
  if found == "water/burst" and vikno.text.has_stem(appeal.text, { "підвал", "будин" }) then
    result.executors = { "vodokanal", "district-housing" }
  end
  return result
end

-- 002 §9.2.1: daily control; letters to the heads of late executors are
-- compulsory; §6.3.4 a long-unsolved appeal may get a commission inspection
-- (R19); §9.2.3 inefficient executors are reported to deputy mayors.
local urgent = escalation.ladder {
  { after = "0m",  { notify = "executor", mark = "overdue", raise_priority = true },
                   { notify = "head" } },
  { after = "2h",  { notify = "deputy_mayor" } },
}
local routine = escalation.ladder {
  { after = "0m",  { notify = "executor", mark = "overdue" } },
  { after = "1d",  { notify = "head", message = "Лист керівнику виконавця (002 §9.2.1)" } },
  { after = "7d",  { notify = "head" }, { notify = "deputy_mayor", inspection = true } },
}
escalate = escalation.by_type({ sos = urgent, emergency = urgent }, routine)

-- 002 §5.8: profanity, insults, calls to hatred.
function moderate(text)
  return moderation.check(text)
end

-- 002 §8.1.7: the executor tells the resident the result; §7.7: the
-- operator closes after the resident confirms by phone.
function on_status(appeal, from, to)
  if to == "awaiting_confirmation" then
    return { notify = "resident", message = "Заявку виконано, підтвердіть, будь ласка" }
  end
  if to == "returned_for_rework" then
    return { notify = "executor", message = "Повернуто на доопрацювання (002 §6.3.3)" }
  end
  return nil
end

-- 002 §8.2.2: an extension needs a reasoned, documented request; a further
-- one is asked "з відома керівника" (with the head's knowledge). SOS and
-- emergency appeals are not extended: they are done at once (§4.2.1-4.2.2).
function extend(appeal, due, requested, nth)
  if appeal.type == "sos" or appeal.type == "emergency" then
    return { allow = false, reason = "SOS and emergency appeals are not extended (002 §4.2.1-4.2.2)" }
  end
  return { allow = true, due = requested, approver = nth >= 2 and "head" or "decision_maker" }
end
