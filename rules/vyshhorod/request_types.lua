-- The request types of the ServiceDesk: each with its executor and SLA type.

category { id = "water", name = "Водопостачання", executor = "water", type = "high" }
category { id = "water/burst", parent = "water", name = "Порив мережі", type = "critical",
           keywords = { "порив", "прорив", "фонтан", "тече вод" } }
category { id = "water/none", parent = "water", name = "Немає води",
           keywords = { "нема вод", "відсутн вод", "без вод" } }
category { id = "water/meter", parent = "water", name = "Лічильник води", type = "normal",
           keywords = { "лічильник вод", "повірк" } }
category { id = "heat", name = "Теплопостачання", executor = "teplo", type = "high" }
category { id = "heat/none", parent = "heat", name = "Немає опалення",
           keywords = { "нема опален", "холодн батаре", "відсутн опален" } }
category { id = "gas", name = "Газопостачання", executor = "gas", type = "critical" }
category { id = "gas/leak", parent = "gas", name = "Запах газу",
           keywords = { "запах газ", "витік газ", "пахне газ" } }
category { id = "power", name = "Електропостачання", executor = "power", type = "high" }
category { id = "power/none", parent = "power", name = "Немає світла",
           keywords = { "нема світл", "без світл", "нема електр", "відсутн електр" } }
category { id = "house", name = "Будинок", executor = "uk", type = "normal" }
category { id = "house/lift", parent = "house", name = "Ліфт", type = "high", keywords = { "ліфт" } }
category { id = "house/entrance", parent = "house", name = "Під’їзд",
           keywords = { "під'їзд", "сход", "прибиран" } }
category { id = "house/roof", parent = "house", name = "Покрівля", keywords = { "дах", "покрівл", "протіка" } }
category { id = "yard", name = "Благоустрій", executor = "blago", type = "low" }
category { id = "yard/grass", parent = "yard", name = "Покіс трави", keywords = { "трава", "траву", "покос" } }
category { id = "yard/waste", parent = "yard", name = "Сміття", type = "normal",
           keywords = { "сміття", "смітник", "не вивоз" } }
category { id = "yard/lighting", parent = "yard", name = "Освітлення", type = "normal",
           keywords = { "ліхтар", "освітлен" } }
category { id = "info", name = "Довідки", executor = "centre", type = "info" }
category { id = "info/schedule", parent = "info", name = "Розклад роботи підприємств",
           keywords = { "графік роботи", "години роботи", "розклад роботи", "коли працює" } }
