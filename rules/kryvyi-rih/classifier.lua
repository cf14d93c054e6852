-- Класифікатор основних заявок (002 §5.11): category -> executor and type.
-- The seed does not reproduce the classifier itself; these are its main
-- headings with the services of the city that do the work.

executor { id = "civil-protection", name = "Управління з питань надзвичайних ситуацій та цивільного захисту населення виконкому міської ради" }
executor { id = "vodokanal",        name = "КП «Кривбасводоканал»" }
executor { id = "teplo",            name = "КПТМ «Криворіжтепломережа»" }
executor { id = "gas",              name = "АТ «Криворіжгаз»" }
executor { id = "power",            name = "АТ «ДТЕК Дніпровські електромережі»" }
executor { id = "improvement",      name = "Управління благоустрою та житлової політики виконкому міської ради" }
executor { id = "district-housing", name = "Виконком районної у місті ради (житлове господарство)" }
executor { id = "transport",        name = "Управління транспорту і зв’язку виконкому міської ради" }
executor { id = "roads",            name = "КП «Кривбасшляхбуд»" }

-- §4.2.1 SOS
category { id = "sos", name = "SOS", executor = "civil-protection", type = "sos" }
category { id = "sos/threat", parent = "sos", name = "Загроза життю та здоров’ю людини" }

-- §4.2.2 Аварійні: gas, water, harmful substances, failures of power, heat, water.
category { id = "gas", name = "Газопостачання", executor = "gas", type = "emergency" }
category { id = "gas/leak", parent = "gas", name = "Витік газу",
           keywords = { "запах газ", "витік газ", "пахне газ", "смердить газ" } }
category { id = "gas/none", parent = "gas", name = "Відсутнє газопостачання",
           keywords = { "нема газ", "відсутн газ", "без газ" } }
category { id = "water", name = "Водопостачання та водовідведення", executor = "vodokanal", type = "emergency" }
category { id = "water/burst", parent = "water", name = "Порив на мережі водопостачання",
           keywords = { "порив", "прорив", "прорвал", "витік вод", "тече вод", "вода тече", "фонтан" } }
category { id = "water/none", parent = "water", name = "Відсутнє водопостачання",
           keywords = { "нема вод", "відсутн вод", "без вод", "нема холодн вод" } }
category { id = "water/sewer", parent = "water", name = "Аварія каналізації",
           keywords = { "каналізац", "нечистот", "стоки" } }
category { id = "water/quality", parent = "water", name = "Якість питної води", type = "ordinary",
           keywords = { "якіст вод", "брудн вод", "іржав вод", "каламутн вод" } }
category { id = "heat", name = "Теплопостачання", executor = "teplo", type = "emergency" }
category { id = "heat/none", parent = "heat", name = "Відсутнє теплопостачання",
           keywords = { "нема опален", "відсутн опален", "без опален", "холодн батаре", "не гріють" } }
category { id = "heat/no-hot-water", parent = "heat", name = "Відсутнє гаряче водопостачання",
           keywords = { "нема гаряч вод", "відсутн гаряч вод", "без гаряч вод" } }
category { id = "power", name = "Електропостачання", executor = "power", type = "emergency" }
category { id = "power/none", parent = "power", name = "Відсутнє електропостачання",
           keywords = { "нема світл", "відсутн світл", "без світл", "нема електр", "відсутн електр",
                        "без електр", "вимкнули світл" } }

-- §4.2.3 Поточні
category { id = "housing", name = "Житлове господарство", executor = "district-housing", type = "ordinary" }
category { id = "housing/heating-weak", parent = "housing", name = "Слабке опалення",
           keywords = { "слабк опален", "погано гріють", "ледь тепл" } }
category { id = "housing/entrance", parent = "housing", name = "Утримання під’їзду",
           keywords = { "під'їзд брудн", "брудно в під'їзд", "не прибира", "світл в під'їзд",
                        "світл у під'їзд", "темно в під'їзд" } }
category { id = "housing/lift", parent = "housing", name = "Не працює ліфт", type = "emergency",
           keywords = { "ліфт" } }
category { id = "housing/roof", parent = "housing", name = "Протікання покрівлі", type = "medium",
           keywords = { "дах", "покрівл", "протіка", "тече зі стел", "тече з дах" } }
category { id = "improvement", name = "Благоустрій", executor = "improvement", type = "ordinary" }
category { id = "improvement/lighting", parent = "improvement", name = "Вуличне освітлення",
           keywords = { "ліхтар", "освітлен", "темно на вулиц" } }
category { id = "improvement/grass", parent = "improvement", name = "Покіс трави",
           keywords = { "трава", "траву", "трави", "покос", "бур'ян", "амброз" } }
category { id = "improvement/waste", parent = "improvement", name = "Вивезення сміття",
           keywords = { "сміття", "смітник", "не вивоз", "звалищ" } }
category { id = "improvement/trees", parent = "improvement", name = "Аварійні дерева (комісійне обстеження)",
           type = "medium",
           keywords = { "аварійн дерев", "сухе дерев", "сухі дерев", "спил", "обріз гілл" } }
category { id = "improvement/playground", parent = "improvement", name = "Дитячі майданчики",
           keywords = { "дитяч майданчик", "гойдалк", "пісочниц" } }
category { id = "roads", name = "Дороги", executor = "roads", type = "ordinary" }
category { id = "roads/pothole", parent = "roads", name = "Ями на дорогах",
           keywords = { "яма", "ями", "ямки", "вибоїн", "ямочн ремонт" } }
category { id = "roads/reconstruction", parent = "roads", name = "Капітальний ремонт дороги",
           type = "long",
           keywords = { "капітальн ремонт", "реконструкц", "нов дорог", "асфальтуванн" } }
category { id = "transport", name = "Міський транспорт", executor = "transport", type = "ordinary" }
category { id = "transport/schedule", parent = "transport", name = "Порушення графіку руху",
           keywords = { "трамва", "тролейбус", "маршрутк", "автобус", "розклад", "графік рух" } }
