-- Executors registered in the hot line (001 §1.4: executive bodies and
-- communal enterprises of the council) and what each of them handles.

executor { id = "housing", name = "Управління житлово-комунального господарства Калуської міської ради" }
executor { id = "water",   name = "КП «Водотеплосервіс»" }
executor { id = "energy",  name = "КП «Калуська енергетична компанія»" }
executor { id = "improve", name = "КП «Благоустрій»" }
executor { id = "social",  name = "Управління соціального захисту населення Калуської міської ради" }

category { id = "water", name = "Водопостачання", executor = "water", type = "emergency" }
category { id = "water/burst", parent = "water", name = "Порив водопроводу",
           keywords = { "порив", "прорив", "тече вод", "витік вод" } }
category { id = "water/none", parent = "water", name = "Немає води",
           keywords = { "нема вод", "відсутн вод", "без вод" } }
category { id = "heat", name = "Теплопостачання", executor = "energy", type = "emergency" }
category { id = "heat/none", parent = "heat", name = "Немає опалення чи гарячої води",
           keywords = { "нема опален", "холодн батаре", "нема гаряч вод", "відсутн опален" } }
category { id = "improve", name = "Благоустрій", executor = "improve", type = "ordinary" }
category { id = "improve/lighting", parent = "improve", name = "Освітлення",
           keywords = { "ліхтар", "освітлен" } }
category { id = "improve/waste", parent = "improve", name = "Сміття",
           keywords = { "сміття", "смітник", "не вивоз" } }
category { id = "improve/roads", parent = "improve", name = "Дороги і тротуари",
           keywords = { "яма", "ями", "вибоїн", "тротуар" } }
category { id = "improve/park", parent = "improve", name = "Зелені зони", type = "study",
           keywords = { "спил", "аварійн дерев", "сквер", "парк" } }
category { id = "housing", name = "Житловий фонд", executor = "housing", type = "study" }
category { id = "housing/roof", parent = "housing", name = "Покрівля", keywords = { "дах", "покрівл", "протіка" } }
category { id = "housing/repair", parent = "housing", name = "Капітальний ремонт будинку", type = "long",
           keywords = { "капітальн ремонт", "утеплен", "термомодерніз" } }
category { id = "social", name = "Соціальні питання", executor = "social", type = "study" }
category { id = "social/aid", parent = "social", name = "Допомога і пільги", keywords = { "допомог", "пільг" } }
