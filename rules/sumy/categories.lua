-- 000 §7 "Види та категорії проблем, виконавці": executor > place > topic >
-- problem. Places: "street" (Вулиця), "flat" (Квартира), "house" (Приватний
-- будинок), "transport" (Транспорт). Executor and type are written at the
-- top of a branch and inherited below. Keywords are word stems: "нема вод"
-- matches "немає води" and "нема водопостачання".

executor { id = "infra",     name = "Департамент інфраструктури міста Сумської міської ради" }
executor { id = "transport", name = "Відділ транспорту та зв’язку Сумської міської ради" }
executor { id = "vodokanal", name = "КП «Міськводоканал»" }
executor { id = "shliakh",   name = "КП «Шляхрембуд»" }
executor { id = "zelenbud",  name = "КП «Зеленбуд»" }
executor { id = "svitlo",    name = "КП «Міськсвітло»" }
executor { id = "animals",   name = "КП «Центр догляду за тваринами»" }
executor { id = "gas",       name = "АТ «ОГС «Сумигаз»" }

-- Департамент інфраструктури міста ----------------------------------------
category { id = "infra", name = "Департамент інфраструктури міста", executor = "infra" }
category { id = "infra/street", parent = "infra", name = "Вулиця", place = "street" }
category { id = "infra/street/trees", parent = "infra/street", type = "emergency",
           name = "Аварійне видалення дерев/гілля",
           keywords = { "аварійн дерев", "впал дерев", "дерево впал", "впала гілк", "гілля впал",
                        "повален дерев", "дерево на дрот", "дерево лежит" } }
category { id = "infra/flat", parent = "infra", name = "Квартира", place = "flat" }
category { id = "infra/flat/lift", parent = "infra/flat", name = "Ліфт" }
category { id = "infra/flat/lift/no-light", parent = "infra/flat/lift", name = "Відсутнє світло у ліфті",
           keywords = { "світл ліфт", "світла в ліфт", "світла у ліфт", "темно в ліфт", "темно у ліфт" } }
category { id = "infra/flat/lift/stopped", parent = "infra/flat/lift", name = "Не працює ліфт",
           type = "emergency",
           keywords = { "не працю ліфт", "ліфт не працю", "ліфт зламан", "зламав ліфт", "застряг", "ліфт стоїть" } }
category { id = "infra/flat/lift/faults", parent = "infra/flat/lift", name = "Несправності в роботі",
           keywords = { "ліфт", "двері ліфт", "ліфт шум", "ліфт смика" } }
category { id = "infra/flat/heat", parent = "infra/flat", name = "Опалення та гаряча вода" }
category { id = "infra/flat/heat/none", parent = "infra/flat/heat", name = "Відсутнє опалення",
           type = "emergency",
           keywords = { "нема опален", "відсутн опален", "без опален", "не гріють батаре",
                        "холодн батаре", "батареї холодн", "не включили опален" } }
category { id = "infra/flat/heat/low-temperature", parent = "infra/flat/heat",
           name = "Недостатня температура води",
           keywords = { "недостатн температур", "температур гаряч вод", "гаряча вода ледь",
                        "вода ледь тепл", "гаряча вода холодн" } }
category { id = "infra/flat/heat/no-hot-water", parent = "infra/flat/heat", name = "Немає гарячої води",
           keywords = { "нема гаряч вод", "відсутн гаряч вод", "без гаряч вод", "не йде гаряч" } }
category { id = "infra/flat/heat/weak", parent = "infra/flat/heat", name = "Слабке опалення",
           keywords = { "слабк опален", "погано гріють", "ледь тепл батаре", "батареї ледь тепл",
                        "холодно в квартир", "холодно у квартир" } }
category { id = "infra/flat/building", parent = "infra/flat", name = "Проблеми у будинку" }
category { id = "infra/flat/building/cleaning", parent = "infra/flat/building",
           name = "Відсутність прибирання",
           keywords = { "не прибира", "відсутн прибиран", "брудно в під'їзд", "брудно у під'їзд",
                        "не миють під'їзд" } }
category { id = "infra/flat/building/pests", parent = "infra/flat/building",
           name = "Дезінсекція/дератизація",
           keywords = { "тарган", "щур", "пацюк", "миш", "клоп", "дезінсекц", "дератизац" } }
category { id = "infra/flat/building/sewer", parent = "infra/flat/building",
           name = "Забита каналізація в будинку", type = "emergency",
           keywords = { "каналізац", "забит каналізац", "засмічен каналізац", "стоки в підвал",
                        "нечистот" } }
category { id = "infra/flat/building/stairs-light", parent = "infra/flat/building",
           name = "Немає світла на сходах",
           keywords = { "світл на сход", "темно на сход", "лампочк на сход", "світл на поверс",
                        "світл в під'їзд", "світл у під'їзд", "темно в під'їзд", "темно у під'їзд" } }
category { id = "infra/flat/building/entrance-light", parent = "infra/flat/building",
           name = "Немає світла перед під’їздом",
           keywords = { "світл перед під'їзд", "світл біля під'їзд", "ліхтар біля під'їзд",
                        "ліхтар над під'їзд", "темно біля під'їзд", "темно перед під'їзд" } }
category { id = "infra/flat/building/pipe-burst", parent = "infra/flat/building",
           name = "Порив трубопроводу", type = "emergency",
           keywords = { "порив", "прорив", "прорвал", "тече з труб", "тече труб", "затоплю",
                        "тече вод" } }
category { id = "infra/house", parent = "infra", name = "Приватний будинок", place = "house" }
category { id = "infra/house/waste", parent = "infra/house", name = "Вивіз сміття" }
category { id = "infra/house/waste/not-collected", parent = "infra/house/waste",
           name = "Не вивозиться сміття",
           keywords = { "не вивоз сміт", "сміття не вивоз", "не забира сміт", "сміття не забира",
                        "вивіз сміт", "вивезенн сміт" } }
category { id = "infra/transport", parent = "infra", name = "Транспорт", place = "transport" }
category { id = "infra/transport/stops", parent = "infra/transport", name = "Зупинки" }
category { id = "infra/transport/stops/not-cleaned", parent = "infra/transport/stops",
           name = "Не прибрана зупинка",
           keywords = { "не прибран зупинк", "зупинка не прибран", "брудн зупинк", "зупинка брудн",
                        "сміття на зупин", "зупинк в снігу" } }

-- Відділ транспорту та зв’язку -----------------------------------------------
category { id = "transport", name = "Відділ транспорту та зв’язку", executor = "transport" }
category { id = "transport/transport", parent = "transport", name = "Транспорт", place = "transport" }
category { id = "transport/transport/routes", parent = "transport/transport", name = "Маршрути" }
category { id = "transport/transport/routes/not-enough", parent = "transport/transport/routes",
           name = "Недостатня кількість транспорту",
           keywords = { "мало автобус", "мало тролейбус", "мало маршрут", "недостатн кількіст",
                        "не дочека", "переповнен", "неможливо сісти", "не можна сісти" } }
category { id = "transport/transport/routes/schedule", parent = "transport/transport/routes",
           name = "Недотримання графіку руху комунального транспорту",
           keywords = { "графік", "розклад", "запізню", "не за графік", "інтервал", "не ходить",
                        "не ходять", "не вийшов на маршрут" } }
category { id = "transport/transport/routes/condition", parent = "transport/transport/routes",
           name = "Неналежний санітарно-технічний стан транспорту",
           keywords = { "брудн в автобус", "брудн у автобус", "брудн в тролейбус", "брудн у тролейбус",
                        "брудний автобус", "брудний тролейбус", "холодно в автобус", "холодно в тролейбус",
                        "санітарн стан", "технічн стан", "зламан сидін", "розбит вікн" } }

-- КП «Міськводоканал» -----------------------------------------------------------
category { id = "vodokanal", name = "КП «Міськводоканал»", executor = "vodokanal" }
category { id = "vodokanal/street", parent = "vodokanal", name = "Вулиця", place = "street" }
category { id = "vodokanal/street/water", parent = "vodokanal/street", name = "Водопостачання" }
category { id = "vodokanal/street/water/open-hatch", parent = "vodokanal/street/water",
           name = "Відкритий люк", type = "emergency",
           keywords = { "відкрит люк", "люк відкрит", "без кришк", "нема кришк", "немає кришк",
                        "люк без" } }
category { id = "vodokanal/street/water/pipe-burst", parent = "vodokanal/street/water",
           name = "Порив трубопроводу", type = "emergency",
           keywords = { "порив", "прорив", "прорвал", "тече вод", "вода б'є", "фонтан", "витік вод",
                        "вода тече" } }
category { id = "vodokanal/street/water/well", parent = "vodokanal/street/water",
           name = "Руйнування колодязя", type = "emergency",
           keywords = { "колодяз", "руйнуванн колодяз", "провалив", "провалл" } }
category { id = "vodokanal/flat", parent = "vodokanal", name = "Квартира", place = "flat" }
category { id = "vodokanal/flat/water", parent = "vodokanal/flat", name = "Водопостачання" }
category { id = "vodokanal/flat/water/quality", parent = "vodokanal/flat/water",
           name = "Незадовільна якість",
           keywords = { "якіст вод", "брудн вод", "іржав вод", "каламутн вод", "вода з запах",
                        "жовт вод", "вода смердить", "вода брудн" } }
category { id = "vodokanal/flat/water/no-cold", parent = "vodokanal/flat/water",
           name = "Немає холодної води", type = "emergency",
           keywords = { "нема холодн вод", "нема вод", "відсутн вод", "без вод", "відсутн холодн вод",
                        "не йде вод", "вимкнули вод" } }
category { id = "vodokanal/flat/water/pressure", parent = "vodokanal/flat/water",
           name = "Слабкий тиск",
           keywords = { "слабк тиск", "низьк тиск", "ледь тече", "тиск вод", "слабкий напір", "слабк напір" } }
category { id = "vodokanal/house", parent = "vodokanal", name = "Приватний будинок", place = "house" }
category { id = "vodokanal/house/water", parent = "vodokanal/house", name = "Водопостачання" }
category { id = "vodokanal/house/water/quality", parent = "vodokanal/house/water",
           name = "Незадовільна якість",
           keywords = { "якіст вод", "брудн вод", "іржав вод", "каламутн вод", "вода з запах",
                        "жовт вод", "вода смердить", "вода брудн" } }
category { id = "vodokanal/house/water/no-cold", parent = "vodokanal/house/water",
           name = "Немає холодної води", type = "emergency",
           keywords = { "нема холодн вод", "нема вод", "відсутн вод", "без вод", "відсутн холодн вод",
                        "не йде вод", "вимкнули вод" } }
category { id = "vodokanal/house/water/pressure", parent = "vodokanal/house/water",
           name = "Слабкий тиск",
           keywords = { "слабк тиск", "низьк тиск", "ледь тече", "тиск вод", "слабкий напір", "слабк напір" } }

-- КП «Шляхрембуд» ----------------------------------------------------------------
category { id = "shliakh", name = "КП «Шляхрембуд»", executor = "shliakh" }
category { id = "shliakh/street", parent = "shliakh", name = "Вулиця", place = "street" }
category { id = "shliakh/street/roads", parent = "shliakh/street", name = "Благоустрій (дороги)" }
category { id = "shliakh/street/roads/marking", parent = "shliakh/street/roads",
           name = "Відсутність розмітки",
           keywords = { "розмітк", "зебр", "пішохідн перехід не видно" } }
category { id = "shliakh/street/roads/grates", parent = "shliakh/street/roads",
           name = "Заміна/очищення решіток дощоприймачів",
           keywords = { "решітк", "дощоприймач", "злив забит", "зливов", "калюж" } }
category { id = "shliakh/street/roads/snow", parent = "shliakh/street/roads",
           name = "Не очищено від снігу",
           keywords = { "сніг на дороз", "не очищ від сніг", "не розчищ", "не розчист", "дорог в снігу",
                        "дорогу замело", "ожеледиц", "не почищ", "не прибран сніг на дороз" } }

-- КП «Зеленбуд» -------------------------------------------------------------------
category { id = "zelenbud", name = "КП «Зеленбуд»", executor = "zelenbud" }
category { id = "zelenbud/street", parent = "zelenbud", name = "Вулиця", place = "street" }
category { id = "zelenbud/street/parks", parent = "zelenbud/street", name = "Благоустрій (сквери)" }
category { id = "zelenbud/street/parks/grass", parent = "zelenbud/street/parks",
           name = "Не покошена трава",
           keywords = { "трава", "траву", "трави", "не покош", "покосит", "бур'ян", "амброз" } }
category { id = "zelenbud/street/parks/paths", parent = "zelenbud/street/parks",
           name = "Не посипані доріжки",
           keywords = { "не посипан", "посипат", "слизьк доріж", "доріжк слизьк", "доріжки в сквер" } }
category { id = "zelenbud/street/parks/litter", parent = "zelenbud/street/parks",
           name = "Не прибране сміття",
           keywords = { "сміття в сквер", "сміття у сквер", "сміття в парк", "сміття у парк",
                        "смітник переповн", "урни переповн" } }
category { id = "zelenbud/street/parks/snow", parent = "zelenbud/street/parks",
           name = "Не прибраний сніг",
           keywords = { "сніг у сквер", "сніг в сквер", "сніг в парк", "сніг у парк", "не прибран сніг" } }
category { id = "zelenbud/street/parks/cutting", parent = "zelenbud/street/parks",
           name = "Спил гілля та дерев",
           keywords = { "спил", "спилят", "обріз гілл", "обрізат", "сухе дерев", "сухі дерев",
                        "гілля над дорог" } }

-- КП «Міськсвітло» ------------------------------------------------------------------
category { id = "svitlo", name = "КП «Міськсвітло»", executor = "svitlo" }
category { id = "svitlo/street", parent = "svitlo", name = "Вулиця", place = "street" }
category { id = "svitlo/street/power", parent = "svitlo/street", name = "Електропостачання" }
category { id = "svitlo/street/power/no-lighting", parent = "svitlo/street/power",
           name = "Відсутнє освітлення",
           keywords = { "освітлен", "не світ ліхтар", "ліхтар не гор", "ліхтарі не гор", "не горять ліхтар",
                        "не горить ліхтар", "темно на вулиц", "вуличн світл" } }

-- КП «Центр догляду за тваринами» --------------------------------------------------
category { id = "animals", name = "КП «Центр догляду за тваринами»", executor = "animals" }
category { id = "animals/street", parent = "animals", name = "Вулиця", place = "street" }
category { id = "animals/street/stray", parent = "animals/street", name = "Бездоглядні тварини",
           keywords = { "бездоглядн", "безпритульн", "бродяч", "зграя собак", "зграї собак",
                        "агресивн собак", "вкусил собак", "собака вкусил" } }

-- АТ «ОГС «Сумигаз» -------------------------------------------------------------------
category { id = "gas", name = "АТ «ОГС «Сумигаз»", executor = "gas", type = "emergency" }
category { id = "gas/flat", parent = "gas", name = "Квартира", place = "flat" }
category { id = "gas/flat/supply", parent = "gas/flat", name = "Газопостачання" }
category { id = "gas/flat/supply/none", parent = "gas/flat/supply", name = "Відсутнє газопостачання",
           keywords = { "нема газ", "відсутн газ", "без газ", "не йде газ", "вимкнули газ",
                        "запах газ", "пахне газ", "витік газ" } }
category { id = "gas/house", parent = "gas", name = "Приватний будинок", place = "house" }
category { id = "gas/house/supply", parent = "gas/house", name = "Газопостачання" }
category { id = "gas/house/supply/none", parent = "gas/house/supply", name = "Відсутнє газопостачання",
           keywords = { "нема газ", "відсутн газ", "без газ", "не йде газ", "вимкнули газ",
                        "запах газ", "пахне газ", "витік газ" } }
