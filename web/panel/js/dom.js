// Building the page from data without ever parsing data as HTML: every text
// from the server goes in through textContent or an attribute value, so a
// description like "<img onerror=...>" is shown as those characters (issue 5,
// XSS). There is no innerHTML anywhere in the panel.

import {t} from './i18n.js';

// h('a', {href: '#/x', class: 'btn', onclick: fn}, 'text', child, [more])
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on') && typeof value === 'function') {
      el.addEventListener(name.slice(2), value);
    } else if (name === 'class') {
      el.className = value;
    } else if (name === 'dataset') {
      Object.assign(el.dataset, value);
    } else if (name === 'value' && 'value' in el) {
      el.value = value;
    } else if (value === true) {
      el.setAttribute(name, '');
    } else {
      el.setAttribute(name, String(value));
    }
  }
  append(el, children);
  return el;
}

export function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

export function clear(el) {
  while (el.firstChild) el.firstChild.remove();
  return el;
}

// A status badge in the R14 colour the server gives (000 §6.6). The colour is
// set through the CSSOM, which the Content-Security-Policy allows (unlike a
// style attribute in markup).
export function statusBadge(code, label, colour) {
  const el = h('span', {class: 'status', dataset: {status: code}}, label || code);
  if (colour) el.style.setProperty('--status-colour', colour);
  return el;
}

const pad = (n) => String(n).padStart(2, '0');

// "2026-11-22T15:04:05Z" -> "22.11.2026 17:04" in the browser's time zone
// (the city's staff sit in the city).
export function formatTime(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${pad(d.getDate())}.${pad(d.getMonth() + 1)}.${d.getFullYear()} ` +
         `${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

export function addressText(a) {
  if (!a) return '';
  const parts = [];
  if (a.street) parts.push(a.street);
  if (a.house) parts.push(a.house);
  let text = parts.join(', ');
  if (a.flat) text += (text ? ', ' : '') + t('panel.flat_short', {flat: a.flat});
  if (!text && a.point) text = `${a.point.lat.toFixed(5)}, ${a.point.lon.toFixed(5)}`;
  return text;
}

// Field with a label above it.
export function field(labelText, input, hint) {
  const id = input.id || ('f-' + Math.random().toString(36).slice(2));
  input.id = id;
  return h('div', {class: 'field'}, h('label', {for: id}, labelText), input,
           hint ? h('small', {class: 'hint'}, hint) : null);
}
