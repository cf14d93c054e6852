-- The smallest complete city (docs/rules.md walks through it line by line).
-- A town with two services, three kinds of problem and a working day.

city {
  name = "Мале Місто",
  timezone = "Europe/Kyiv",
  hours = { weekdays = { "08:00", "17:00" } },   -- Monday to Friday
  lunch = { "12:00", "13:00" },
  holidays = { "2026-08-24" },                    -- Independence Day
  notify_window = { "06:00", "23:00" },
}

executor { id = "water", name = "КП «Водоканал»", phone = "+380441234567", head = "Директор КП" }
executor { id = "roads", name = "КП «Шляхи»", phone = "+380447654321" }

-- Acceptance (R11) and resolution (R10) deadlines per type.
appeal_type { id = "emergency", name = "Аварійна", accept = "30m", resolve = "24h" }
appeal_type { id = "ordinary",  name = "Звичайна", accept = vikno.working("2h"), resolve = "5d" }

category { id = "water",          name = "Водопостачання", executor = "water" }
category { id = "water/leak",     parent = "water", name = "Порив трубопроводу", type = "emergency",
           keywords = { "порив", "прорив", "тече вод", "витік вод" } }
category { id = "water/none",     parent = "water", name = "Немає води", type = "emergency",
           keywords = { "нема вод", "відсутн вод", "без вод" } }
category { id = "roads/pothole",  name = "Яма на дорозі", executor = "roads", type = "ordinary",
           keywords = { "ям", "вибоїн", "яма на дорог" } }

-- appeal: text, category (chosen by the resident, may be ""), address, channel.
function classify(appeal)
  if appeal.category ~= "" and vikno.categories.is_leaf(appeal.category) then
    return { category = appeal.category }          -- executor and type follow from it
  end
  local found = vikno.categories.match(appeal.text)
  if found then return { category = found } end
  return { moderation = "no category matched the text" }
end

-- Rules return actions; the host sends the letters.
function escalate(appeal, late)
  if late >= vikno.hours(4) then
    return { { notify = "head", mark = "overdue" } }
  end
  return { notify = "moderator" }
end

local bad_words = { "дурн", "ідіот" }
function moderate(text)
  if vikno.text.has_stem(text, bad_words) then return { ok = false, reason = "insult" } end
  return { ok = true }
end
