-- Класифікатор звернень (003 §1.2, §2.2): the executor follows from the
-- direction of the question. The seed does not list the classifier; these
-- are the main directions of a community's services.

executor { id = "housing",   name = "Відділ житлово-комунального господарства виконкому міської ради" }
executor { id = "water",     name = "Комунальне підприємство водопостачання та водовідведення" }
executor { id = "improve",   name = "Комунальне підприємство з благоустрою міста" }
executor { id = "social",    name = "Управління соціального захисту населення" }
executor { id = "starosta",  name = "Старостинський округ (за місцем проживання)" }

category { id = "water", name = "Водопостачання та водовідведення", executor = "water", type = "ordinary" }
category { id = "water/burst", parent = "water", name = "Порив водопроводу", type = "emergency",
           keywords = { "порив", "прорив", "прорвал", "тече вод", "витік вод" } }
category { id = "water/none", parent = "water", name = "Відсутнє водопостачання", type = "emergency",
           keywords = { "нема вод", "відсутн вод", "без вод" } }
category { id = "water/sewer", parent = "water", name = "Каналізація",
           keywords = { "каналізац", "нечистот" } }
category { id = "improve", name = "Благоустрій", executor = "improve", type = "ordinary" }
category { id = "improve/lighting", parent = "improve", name = "Вуличне освітлення",
           keywords = { "ліхтар", "освітлен", "темно на вулиц" } }
category { id = "improve/roads", parent = "improve", name = "Ремонт доріг і тротуарів",
           keywords = { "яма", "ями", "вибоїн", "тротуар", "дорог" } }
category { id = "improve/waste", parent = "improve", name = "Вивезення сміття",
           keywords = { "сміття", "смітник", "не вивоз", "звалищ" } }
category { id = "improve/trees", parent = "improve", name = "Зелені насадження", type = "study",
           keywords = { "спил", "аварійн дерев", "сухе дерев", "обріз гілл" } }
category { id = "improve/new-road", parent = "improve", name = "Будівництво та капітальний ремонт",
           type = "long", keywords = { "капітальн ремонт", "нов дорог", "будівництв" } }
category { id = "housing", name = "Житлове господарство", executor = "housing", type = "ordinary" }
category { id = "housing/heating", parent = "housing", name = "Опалення", type = "emergency",
           keywords = { "нема опален", "відсутн опален", "холодн батаре" } }
category { id = "housing/roof", parent = "housing", name = "Покрівля, під’їзди", type = "study",
           keywords = { "дах", "покрівл", "протіка", "під'їзд" } }
category { id = "social", name = "Соціальний захист", executor = "social", type = "study" }
category { id = "social/aid", parent = "social", name = "Матеріальна допомога, пільги",
           keywords = { "допомог", "пільг", "субсиді" } }
category { id = "villages", name = "Старостинські округи", executor = "starosta", type = "ordinary" }
category { id = "villages/issue", parent = "villages", name = "Питання села",
           keywords = { "у селі", "в селі", "староста", "старост" } }
