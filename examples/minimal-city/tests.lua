-- Message in, decision out. Times are local ("Europe/Kyiv").
case { "Прорвало трубу, тече вода по вулиці", at = "2026-06-01 10:00",
       category = "water/leak", type = "emergency", executor = "water",
       accept_due = "2026-06-01 10:30", resolve_due = "2026-06-02 10:00" }
case { "НЕМАЄ ВОДИ вже третій день", category = "water/none" }
-- Friday 16:30: half an hour today, 1.5 h on Monday after 08:00.
case { "Велика яма на дорозі біля школи", at = "2026-06-05 16:30",
       category = "roads/pothole", executor = "roads",
       accept_due = "2026-06-08 09:30", resolve_due = "2026-06-10 16:30" }
case { "Щось незрозуміле", moderation = true }
case { "текст", chosen = "roads/pothole", category = "roads/pothole" }
moderation_case { "Ви там усі ідіоти", ok = false, reason = "insult" }
moderation_case { "Дякую за швидкий ремонт", ok = true }
escalation_case { category = "roads/pothole", late = "1h", notify = { "moderator" } }
escalation_case { category = "roads/pothole", late = "5h", notify = { "head" } }
