-- Суми: message in, decision out (000 §7 categories, §4.4 deadlines).
-- Times are local, Europe/Kyiv. `address.flat` tells a flat from the street.

local flat = { street = "вул. Соборна", house = "12", flat = "34" }
local street = { street = "вул. Харківська", house = "5" }

-- Вулиця / Водопостачання -> КП «Міськводоканал», an emergency: 30 min to
-- accept (R11), 48 h to resolve (000 §4.4).
case { "Порив трубопроводу на вулиці, вода б’є з-під асфальту", address = street,
       at = "2026-05-12 09:00",
       category = "vodokanal/street/water/pipe-burst", type = "emergency", executor = "vodokanal",
       accept_due = "2026-05-12 09:30", resolve_due = "2026-05-14 09:00" }
case { "ВІДКРИТИЙ ЛЮК біля зупинки!", address = street,
       category = "vodokanal/street/water/open-hatch", executor = "vodokanal" }
-- The same words in a flat go to the building's pipes (Департамент інфраструктури).
case { "У під’їзді порив труби, тече вода", address = flat,
       category = "infra/flat/building/pipe-burst", executor = "infra", type = "emergency" }
case { "Немає холодної води з ранку", address = flat,
       category = "vodokanal/flat/water/no-cold", executor = "vodokanal" }
case { "Приватний будинок, немає води вже добу", address = street,
       category = "vodokanal/house/water/no-cold", executor = "vodokanal" }
case { "Слабкий тиск води на 9 поверсі", address = flat,
       category = "vodokanal/flat/water/pressure", type = "urgent" }
case { "Іржава вода з крана", address = flat, category = "vodokanal/flat/water/quality" }

-- Квартира / Ліфт, Опалення (apostrophes and capitals in every spelling).
case { "НЕ ПРАЦЮЄ ЛІФТ у другому під'їзді", address = flat,
       category = "infra/flat/lift/stopped", executor = "infra", type = "emergency" }
case { "Темно в ліфті, лампа не світить", address = flat, category = "infra/flat/lift/no-light" }
case { "Холодні батареї, немає опалення", address = flat, category = "infra/flat/heat/none" }
case { "немає гарячої води", address = flat, category = "infra/flat/heat/no-hot-water",
       type = "urgent", at = "2026-05-12 22:30",
       accept_due = "2026-05-13 00:30", resolve_due = "2026-05-14 22:30" }
case { "Таргани в підвалі, потрібна дезінсекція", address = flat,
       category = "infra/flat/building/pests" }
case { "Немає світла на сходах, третій поверх", address = flat,
       category = "infra/flat/building/stairs-light" }
case { "Не горить ліхтар біля підʼїзду", address = flat,
       category = "infra/flat/building/entrance-light" }
case { "Вже тиждень не вивозять сміття у приватному секторі",
       category = "infra/house/waste/not-collected", executor = "infra" }
case { "На вулиці впало дерево на дроти", address = street,
       category = "infra/street/trees", type = "emergency" }

-- Транспорт
case { "Тролейбус №2 не ходить за графіком, інтервал 40 хвилин",
       category = "transport/transport/routes/schedule", executor = "transport" }
case { "Брудний автобус, розбиті вікна", category = "transport/transport/routes/condition" }
case { "Зупинка не прибрана, сміття на зупинці", category = "infra/transport/stops/not-cleaned" }

-- Other services of §7.
case { "Не горять ліхтарі на вулиці Кооперативній", address = street,
       category = "svitlo/street/power/no-lighting", executor = "svitlo" }
case { "Зграя бродячих собак біля школи", address = street,
       category = "animals/street/stray", executor = "animals" }
case { "Не покошена трава в сквері", address = street,
       category = "zelenbud/street/parks/grass", executor = "zelenbud" }
case { "Дорогу не розчистили від снігу", address = street,
       category = "shliakh/street/roads/snow", executor = "shliakh" }
case { "Відчувається запах газу в квартирі", address = flat,
       category = "gas/flat/supply/none", executor = "gas", type = "emergency" }

-- The resident's choice of a leaf wins; an unknown text goes to a moderator.
case { "дивіться фото", chosen = "shliakh/street/roads/marking",
       category = "shliakh/street/roads/marking", executor = "shliakh" }
case { "Добрий день, коли буде концерт?", moderation = true }

-- 48 hours across both DST changes are 48 real hours (R10, 000 §4.4):
-- spring forward on 29 March, fall back on 25 October 2026.
case { "Прорвало трубу на вулиці", address = street, at = "2026-03-28 10:00",
       category = "vodokanal/street/water/pipe-burst",
       accept_due = "2026-03-28 10:30", resolve_due = "2026-03-30 11:00" }
case { "Прорвало трубу на вулиці", address = street, at = "2026-10-24 10:00",
       accept_due = "2026-10-24 10:30", resolve_due = "2026-10-26 09:00" }

-- R30 moderation (000 §5.3.9).
moderation_case { "Коли відремонтують дорогу?", ok = true }
moderation_case { "Ви там всі дебіли чи що", ok = false, reason = "insult" }
moderation_case { "Де, бляха, вода", ok = true }
moderation_case { "БЛЯДЬ, третій день без води", ok = false, reason = "profanity" }
moderation_case { "Смерть жидам", ok = false, reason = "hate" }

-- Escalation (000 §5.3.1).
escalation_case { type = "emergency", category = "vodokanal/street/water/pipe-burst",
                  late = "10m", notify = { "moderator" } }
escalation_case { type = "emergency", category = "vodokanal/street/water/pipe-burst",
                  late = "3h", notify = { "administrator", "head" } }
escalation_case { type = "urgent", category = "zelenbud/street/parks/grass",
                  late = "3h", notify = { "moderator" } }
escalation_case { type = "urgent", category = "zelenbud/street/parks/grass",
                  late = "2d", notify = { "administrator" } }
status_case { category = "zelenbud/street/parks/grass", from = "awaiting_confirmation",
              to = "not_confirmed", notify = { "moderator" } }
status_case { category = "zelenbud/street/parks/grass", from = "new", to = "in_work", notify = {} }
