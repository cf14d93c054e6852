-- Routing helpers shared by cities: guess where the problem is (street, flat,
-- private house, public transport) and classify by keywords with that place
-- first, then anywhere.

local R = {}

R.transport_words = { "автобус", "тролейбус", "трамва", "маршрутк", "зупинк", "громадськ транспорт" }
R.private_house_words = { "приватн будин", "приватн сектор", "приватному", "приватного", "власн будин" }
R.flat_words = { "квартир", "під'їзд", "ліфт", "сход", "поверх", "батаре", "підвал" }

function R.place_of(appeal)
  local text = appeal.text
  if vikno.text.has_stem(text, R.transport_words) then return "transport" end
  if vikno.text.has_stem(text, R.private_house_words) then return "house" end
  if vikno.address.has_flat(appeal.address) or vikno.text.has_stem(text, R.flat_words) then
    return "flat"
  end
  return "street"
end

-- The category the resident chose when it is a leaf, else the best keyword
-- match at the place, else anywhere; nil when nothing matches.
function R.category_of(appeal)
  if appeal.category ~= "" and vikno.categories.is_leaf(appeal.category) then
    return appeal.category
  end
  return vikno.categories.match(appeal.text, R.place_of(appeal))
      or vikno.categories.match(appeal.text)
end

return R
