-- Shared moderation for R30: appeals with profanity or insults are refused
-- (000 §5.3.9, 002 §5.8, 003 §2.5) and calls to hatred are not processed
-- (001 §4.4, 002 §5.8). The rules only say what they found; a moderator
-- decides about blocking the sender (000 §5.3.9: "неодноразової").
--
-- Usage in a city:   local moderation = include "lib/moderation.lua"
--                    function moderate(text) return moderation.check(text) end

local M = {}

-- Obscene stems (Ukrainian and Russian spellings residents use). Stems match
-- the beginning of a word, after case folding and apostrophe unification.
M.profanity = {
  "хуй", "хуя", "хує", "хуї", "хуйн", "нахуй", "пізд", "пизд", "піздец",
  "їбат", "їбан", "єбат", "єбан", "ебат", "ебан", "заїб", "заеб", "уїб", "уєб", "довбойоб",
  "бляд", "блят", "мудак", "мудил", "підар", "підор", "пидор", "гандон", "залуп", "курва",
}

-- Insults: whole words only, so "сукня" and "ідіома" stay clean.
M.insults = {
  "сука", "суки", "суко", "сучий", "дебіл", "дебіли", "дебілів", "ідіот", "ідіоти", "ідіотів",
  "придурок", "придурки", "чмо", "тварі", "покидьки", "бидло",
}

-- Calls to national, racial or religious hatred (002 §5.8): a slur, or a
-- call to violence against a group.
M.hate = {
  "смерть жид", "бий жид", "бити жид", "жидів на", "вбивати цига", "смерть цига",
  "геть усіх", "різати всіх", "вбити всіх", "смерть всім",
}

function M.check(text)
  if vikno.text.has_stem(text, M.hate) then
    return { ok = false, reason = "hate", block = true }
  end
  if vikno.text.has_stem(text, M.profanity) then
    return { ok = false, reason = "profanity" }
  end
  if vikno.text.has_any(text, M.insults) then
    return { ok = false, reason = "insult" }
  end
  return { ok = true }
end

return M
