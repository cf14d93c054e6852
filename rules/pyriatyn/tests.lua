-- Пирятин: working calendar of 003 §2.1 (Mon-Thu 08:00-17:15, Fri 08:00-16:00,
-- lunch 12:00-13:00), deadlines of the law (15 days / one month).

-- Across lunch: 11:00 + 2 working hours = 14:00.
case { "Не горить ліхтар на вулиці Привокзальній", at = "2026-05-12 11:00",
       category = "improve/lighting", type = "ordinary", executor = "improve",
       accept_due = "2026-05-12 14:00", resolve_due = "2026-05-27 11:00" }
-- Friday 15:30 (closes 16:00): 30 minutes on Friday, 90 on Monday.
case { "Велика яма на дорозі", at = "2026-05-15 15:30", category = "improve/roads",
       accept_due = "2026-05-18 09:30" }
-- Thursday 17:00 (closes 17:15) and Friday: 15 minutes + 1 h 45 min.
case { "Не вивозять сміття третій тиждень", at = "2026-05-14 17:00", category = "improve/waste",
       accept_due = "2026-05-15 09:45" }
-- Friday 21 August before the Independence Day holiday on Monday 24 August.
case { "Яма на тротуарі", at = "2026-08-21 15:00", category = "improve/roads",
       accept_due = "2026-08-25 09:00", resolve_due = "2026-09-05 15:00" }
-- Friday before the spring change: Monday 09:30, already in summer time.
case { "Не горить ліхтар", at = "2026-03-27 15:30", category = "improve/lighting",
       accept_due = "2026-03-30 09:30", resolve_due = "2026-04-11 15:30" }
-- Friday before the autumn change.
case { "Не горить ліхтар", at = "2026-10-23 15:30", category = "improve/lighting",
       accept_due = "2026-10-26 09:30", resolve_due = "2026-11-07 15:30" }
-- A web appeal on Sunday evening waits for Monday's opening.
case { "Потрібен спил аварійного дерева", at = "2026-05-17 20:00", category = "improve/trees",
       type = "study", accept_due = "2026-05-18 10:00", resolve_due = "2026-06-16 20:00" }
-- Emergencies run round the clock.
case { "Порив водопроводу, тече вода", at = "2026-05-16 23:00", category = "water/burst",
       type = "emergency", executor = "water",
       accept_due = "2026-05-16 23:30", resolve_due = "2026-05-17 23:00" }
case { "Потрібна матеріальна допомога", category = "social/aid", executor = "social" }
case { "Капітальний ремонт дороги на вул. Шевченка", category = "improve/new-road",
       type = "long", at = "2026-05-12 10:00", resolve_due = false }
case { "Просто хочу поговорити", moderation = true }

moderation_case { "Коли відремонтують дорогу?", ok = true }
moderation_case { "Бий жидів", ok = false, reason = "hate" }

escalation_case { category = "improve/roads", late = "2h", notify = { "executor" } }
escalation_case { category = "improve/roads", late = "2d", notify = { "head" } }
escalation_case { category = "improve/roads", late = "10d", notify = { "deputy_mayor" } }
