// Executors (services) and categories for names and pickers, fetched once
// per sign-in. The list works with bare ids when the server does not offer
// them, so the panel never blocks on a reference list.
import {get} from './api.js';

let executors = null;
let categories = null;

function items(data, key) {
  if (Array.isArray(data)) return data;
  if (data && Array.isArray(data[key])) return data[key];
  if (data && Array.isArray(data.items)) return data.items;
  return [];
}

export async function loadExecutors() {
  if (executors) return executors;
  try {
    executors = items(await get('/api/v1/executors'), 'executors');
  } catch {
    executors = [];
  }
  return executors;
}

export async function loadCategories() {
  if (categories) return categories;
  try {
    categories = items(await get('/api/v1/categories'), 'categories');
  } catch {
    categories = [];
  }
  return categories;
}

export function forget() {
  executors = null;
  categories = null;
}

export function executorName(id) {
  if (!id) return '';
  const e = (executors || []).find((x) => x.id === id);
  return e && e.name ? e.name : id;
}

export function categoryName(id) {
  if (!id) return '';
  const c = (categories || []).find((x) => x.id === id);
  return c && (c.name || c.title) ? (c.name || c.title) : id;
}
