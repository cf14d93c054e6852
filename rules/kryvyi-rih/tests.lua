-- Кривий Ріг: message in, decision out (002 §4.2 types, §7.1 acceptance).
-- Local times, Europe/Kyiv. Working hours Mon-Thu 08:00-17:15,
-- Fri 08:00-16:00, lunch 12:00-13:00.

-- §4.2.1 SOS: 30 minutes to accept, 2 hours to do, round the clock.
case { "Обірваний дріт лежить на тротуарі, поруч діти", at = "2026-05-16 23:40",
       category = "sos/threat", type = "sos", executor = "civil-protection",
       accept_due = "2026-05-17 00:10", resolve_due = "2026-05-17 01:40" }
-- The resident chose "roads" but the text is a threat to life: SOS wins.
case { "Людина впала в яму, без свідомості", chosen = "roads/pothole",
       category = "sos/threat", type = "sos" }

-- §4.2.2 emergencies: 30 minutes, 24 hours, round the clock; across the
-- spring change 24 h are 24 real hours (one more on the wall clock).
case { "Сильний запах газу в під’їзді", at = "2026-03-28 22:00",
       category = "gas/leak", type = "emergency", executor = "gas",
       accept_due = "2026-03-28 22:30", resolve_due = "2026-03-29 23:00" }
case { "Третій день немає води", at = "2026-10-24 20:00", category = "water/none",
       accept_due = "2026-10-24 20:30", resolve_due = "2026-10-25 19:00" }
case { "НЕМАЄ СВІТЛА в будинку", category = "power/none", executor = "power" }
case { "Холодні батареї, опалення відсутнє", category = "heat/none", executor = "teplo" }
case { "Не працює ліфт", category = "housing/lift", type = "emergency", executor = "district-housing" }
-- §7.2: a burst flooding a basement needs two executors, the water company first.
case { "Порив труби, тече вода в підвал будинку", category = "water/burst", executor = "vodokanal" }

-- §4.2.3.1 ordinary: 2 working hours to accept, 5 calendar days to do.
-- Thursday 16:30: 45 minutes today, 1 h 15 min on Friday morning.
case { "Велика яма на дорозі біля школи", at = "2026-05-14 16:30",
       category = "roads/pothole", type = "ordinary", executor = "roads",
       accept_due = "2026-05-15 09:15", resolve_due = "2026-05-19 16:30" }
-- Across lunch: 11:30 + 2 working hours = 14:30.
case { "Не горить ліхтар на вулиці", at = "2026-05-12 11:30", category = "improvement/lighting",
       accept_due = "2026-05-12 14:30", resolve_due = "2026-05-17 11:30" }
-- Web appeal on Saturday night (§3.2): accepted by Monday 10:00.
case { "Не вивозять сміття", at = "2026-05-16 23:00", category = "improvement/waste",
       accept_due = "2026-05-18 10:00", resolve_due = "2026-05-21 23:00" }
-- Friday 15:30 in October: the autumn change on Sunday does not move working hours.
case { "Не покошена трава у дворі", at = "2026-10-23 15:30", category = "improvement/grass",
       accept_due = "2026-10-26 09:30", resolve_due = "2026-10-28 15:30" }

-- §4.2.2.2 medium: 15 calendar days; §4.2.3.3 long: controlled until done.
case { "Протікає дах, тече зі стелі", at = "2026-05-12 10:00", category = "housing/roof",
       type = "medium", accept_due = "2026-05-12 12:00", resolve_due = "2026-05-27 10:00" }
case { "Потрібен капітальний ремонт дороги", at = "2026-05-12 10:00",
       category = "roads/reconstruction", type = "long", resolve_due = false }

-- R13, 002 §5.4: a state body's question is a consultation.
case { "Коли перерахують пенсію?", moderation = true }
case { "бла бла", moderation = true }

-- 002 §5.8
moderation_case { "Коли буде світло?", ok = true }
moderation_case { "Ідіоти, коли буде світло?", ok = false, reason = "insult" }

-- 002 §9.2.1 letters to heads; §6.3.4 commission inspection.
escalation_case { type = "sos", category = "sos/threat", late = "5m", notify = { "executor", "head" } }
escalation_case { type = "ordinary", category = "roads/pothole", late = "3h", notify = { "executor" } }
escalation_case { type = "ordinary", category = "roads/pothole", late = "2d", notify = { "head" } }
escalation_case { type = "ordinary", category = "roads/pothole", late = "8d",
                  notify = { "head", "deputy_mayor" } }
status_case { category = "roads/pothole", from = "in_work", to = "awaiting_confirmation",
              notify = { "resident" } }
