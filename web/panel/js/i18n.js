// The panel's words come from the server (GET /api/v1/messages?lang=..,
// config/messages/<lang>.yaml with the city's overrides): Ukrainian by
// default, English on request; the choice is kept in localStorage.
import {get} from './api.js';

let texts = {};
let language = 'uk';

export function currentLanguage() {
  return language;
}

export async function loadLanguage(wanted) {
  const lang = wanted || localStorage.getItem('vikno.lang') || 'uk';
  try {
    const data = await get('/api/v1/messages?lang=' + encodeURIComponent(lang));
    texts = data.texts || {};
    language = data.language || lang;
  } catch (e) {
    if (lang !== 'uk') return loadLanguage('uk');
    throw e;
  }
  localStorage.setItem('vikno.lang', language);
  document.documentElement.lang = language;
  return language;
}

// t('panel.list.title'), t('panel.page', {n: 2}); an unknown key shows itself
// so a missing text is visible, not blank.
export function t(key, params) {
  let text = Object.prototype.hasOwnProperty.call(texts, key) ? texts[key] : key;
  if (params) {
    text = text.replace(/\{(\w+)\}/g, (m, name) =>
      Object.prototype.hasOwnProperty.call(params, name) ? String(params[name]) : m);
  }
  return text;
}

export function has(key) {
  return Object.prototype.hasOwnProperty.call(texts, key);
}

// Static words in index.html carry data-t="key".
export function translateStatic(root = document) {
  for (const el of root.querySelectorAll('[data-t]')) el.textContent = t(el.dataset.t);
}
