-- Калуш: message in, decision out (001).

case { "Порив водопроводу біля ринку", at = "2026-05-16 21:00",
       category = "water/burst", type = "emergency", executor = "water",
       accept_due = "2026-05-16 21:30", resolve_due = "2026-05-17 21:00" }
case { "Холодні батареї вже тиждень", category = "heat/none", executor = "energy" }
-- Appeals reach the responsible person in working time (§4.3): Saturday
-- night waits for Monday 08:00, then two working hours.
case { "Не горить ліхтар у дворі", at = "2026-05-16 22:00", category = "improve/lighting",
       type = "ordinary", executor = "improve",
       accept_due = "2026-05-18 10:00", resolve_due = "2026-05-31 22:00" }
case { "Протікає дах над квартирою", at = "2026-05-12 11:30", category = "housing/roof",
       type = "study", accept_due = "2026-05-12 14:30", resolve_due = "2026-06-11 11:30" }
case { "Просимо утеплення будинку, капітальний ремонт", category = "housing/repair",
       type = "long", at = "2026-05-12 10:00", resolve_due = false }
case { "Добрий вечір", moderation = true }

moderation_case { "Дякую за роботу", ok = true }
moderation_case { "Хуйня, а не ремонт", ok = false, reason = "profanity" }

escalation_case { category = "improve/roads", late = "1h", notify = { "moderator", "executor" } }
escalation_case { category = "improve/roads", late = "30h", notify = { "decision_maker" } }
status_case { category = "improve/roads", from = "awaiting_confirmation", to = "not_confirmed",
              notify = { "executor", "moderator" } }
