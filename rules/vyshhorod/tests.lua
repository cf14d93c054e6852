-- Вишгород: SLA per request type (004). Office hours Mon-Fri 08:00-17:00,
-- lunch 13:00-14:00.

case { "Порив труби, фонтан на дорозі", at = "2026-05-16 22:00",
       category = "water/burst", type = "critical", executor = "water",
       accept_due = "2026-05-16 22:15", resolve_due = "2026-05-17 02:00" }
case { "Запах газу в підвалі", category = "gas/leak", type = "critical", executor = "gas" }
case { "Немає світла з ранку", at = "2026-03-28 12:00", category = "power/none", type = "high",
       accept_due = "2026-03-28 12:30", resolve_due = "2026-03-29 13:00" }
-- normal: 2 working hours across lunch; 5 working days, the close of the 5th.
case { "Брудно в під’їзді, не прибирають", at = "2026-05-12 12:30", category = "house/entrance",
       type = "normal", executor = "uk",
       accept_due = "2026-05-12 15:30", resolve_due = "2026-05-19 17:00" }
-- low: 4 working hours from Friday 15:00 reach Monday; 15 working days.
case { "Не покошена трава у дворі", at = "2026-05-15 15:00", category = "yard/grass",
       type = "low", executor = "blago",
       accept_due = "2026-05-18 10:00", resolve_due = "2026-06-05 17:00" }
case { "Коли працює водоканал? Графік роботи", category = "info/schedule", type = "info",
       executor = "centre" }
case { "???", moderation = true }

moderation_case { "Дякую", ok = true }
moderation_case { "Ви там всі ідіоти", ok = false, reason = "insult" }

escalation_case { type = "critical", category = "water/burst", late = "1h", notify = { "executor", "head" } }
escalation_case { type = "critical", category = "water/burst", late = "5h", notify = { "mayor" } }
escalation_case { type = "low", category = "yard/grass", late = "3d", notify = { "head" } }
status_case { category = "yard/grass", from = "awaiting_confirmation", to = "completed",
              notify = { "resident" } }
